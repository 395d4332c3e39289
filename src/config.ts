import { isSupportedCountry } from "libphonenumber-js/max";
import { z } from "zod";
import { type PrivateJwks, type PublicJwks, parseClientJwks, parsePrivateJwks } from "./auth/keys.js";
import { privateKeyMistake } from "./config/key-mistakes.js";
import { parseRateLimits, type RateLimits } from "./config/rate-limits.js";

/**
 * ISO 8601 durations with fixed-length units only (weeks, days, hours, minutes, seconds).
 * Years and months are refused on purpose: "P3M" has no single length in milliseconds, and an
 * inactivity window that silently meant 90 or 92 days would be worse than a clear start-up error.
 */
const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match || text === "P" || text.endsWith("T")) return undefined;
  const [, weeks, days, hours, minutes, seconds] = match;
  const ms =
    Number(weeks ?? 0) * 604_800_000 +
    Number(days ?? 0) * 86_400_000 +
    Number(hours ?? 0) * 3_600_000 +
    Number(minutes ?? 0) * 60_000 +
    Math.round(Number(seconds ?? 0) * 1000);
  return ms > 0 ? ms : undefined;
}

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) {
        ctx.addIssue({
          code: "custom",
          message: `"${text}" is not an ISO 8601 duration in weeks, days, hours, minutes or seconds (e.g. P90D, PT1M)`,
        });
        return z.NEVER;
      }
      return ms;
    });

/** Variables whose value may be `@path`: the Node server reads the file (secrets mounted as files). */
const FILE_VARIABLES = ["NUMBIND_PEPPER", "NUMBIND_SIGNING_KEYS", "NUMBIND_BOOTSTRAP_ADMIN_JWKS"] as const;

const jsonText = (what: string) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({
        code: "custom",
        message: `is not JSON; set it to the ${what} itself ({"keys":[...]}), or to @path/to/file.json to read it from a file`,
      });
      return z.NEVER;
    }
  });

/** A JSON value checked by one of the key parsers, whose message is kept. */
const checkedWith = <T>(parse: (value: unknown) => T) =>
  z.unknown().transform((value, ctx) => {
    try {
      return parse(value);
    } catch (error) {
      ctx.addIssue({ code: "custom", message: (error as Error).message });
      return z.NEVER;
    }
  });

const issuer = z.string().transform((text, ctx) => {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.search || url.hash || url.username) {
    ctx.addIssue({
      code: "custom",
      message: `"${text}" is not an http(s) URL; set the public URL clients reach the service at, like https://numbind.example (http://localhost:8787 in development)`,
    });
    return z.NEVER;
  }
  return text.replace(/\/+$/, "");
});

const REGION_EXAMPLES = "CN, US, GB, IN or DE";
const region = z
  .string()
  .default("CN")
  .transform((text, ctx) => {
    const code = text.trim().toUpperCase();
    if (!/^[A-Z]{2}$/.test(code) || !isSupportedCountry(code)) {
      ctx.addIssue({
        code: "custom",
        message: `"${text}" is not a region with phone numbering rules; use an ISO 3166-1 alpha-2 code such as ${REGION_EXAMPLES}`,
      });
      return z.NEVER;
    }
    return code;
  });

const shards = z.string().transform((text, ctx) => {
  const count = Number(text);
  if (!/^\d+$/.test(text) || count < 1 || count > 1024 || (count & (count - 1)) !== 0) {
    ctx.addIssue({ code: "custom", message: `"${text}" is not a power of two from 1 to 1024 (e.g. 64)` });
    return z.NEVER;
  }
  return count;
});

const rateLimits = z.string().transform((text, ctx) => {
  try {
    return parseRateLimits(text);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
    return z.NEVER;
  }
});

/** The environment as it arrives (process.env or Worker vars and secrets): strings only. */
const ConfigSchema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: z.coerce
    .number({ message: "must be a port number from 0 to 65535" })
    .int("must be a port number from 0 to 65535")
    .min(0, "must be a port number from 0 to 65535")
    .max(65535, "must be a port number from 0 to 65535")
    .default(8787),
  NUMBIND_DB_PATH: z.string().min(1).default("./data/numbind.sqlite"),
  NUMBIND_ISSUER: issuer.optional(),
  NUMBIND_PEPPER: z.string().min(32, "must be at least 32 characters").optional(),
  NUMBIND_SIGNING_KEYS: jsonText("private JWKS").pipe(checkedWith(registryKeys)).optional(),
  NUMBIND_INACTIVITY: duration("P90D"),
  NUMBIND_SWEEP_INTERVAL: duration("PT1M"),
  NUMBIND_DEFAULT_REGION: region,
  NUMBIND_BOOTSTRAP_ADMIN_JWKS: jsonText("public JWKS").pipe(checkedWith(bootstrapJwks)).optional(),
  NUMBIND_SHARDS: shards.optional(),
  NUMBIND_RATE_LIMITS: rateLimits.optional(),
});

/** The registry's keys: a JWKS, or the single JWK `numbind keygen` writes (one key, nothing to rotate yet). */
function registryKeys(value: unknown): PrivateJwks {
  const single = typeof value === "object" && value !== null && "kty" in value && !("keys" in value);
  return parsePrivateJwks(single ? { keys: [value] } : value);
}

/** The bootstrap admin's keys, checked at start so a wrong value names the variable. */
function bootstrapJwks(value: unknown): PublicJwks {
  const mistake = privateKeyMistake(value);
  if (mistake) throw new Error(mistake);
  return parseClientJwks(value);
}

export interface Config {
  production: boolean;
  port: number;
  dbPath: string;
  issuer: string;
  pepper: string;
  signingKeys: PrivateJwks;
  inactivityMs: number;
  sweepIntervalMs: number;
  defaultRegion: string;
  bootstrapAdminJwks?: PublicJwks;
  /** NUMBIND_SHARDS when set; each runtime has its own default (Node always runs one shard). */
  shards?: number;
  /** NUMBIND_RATE_LIMITS; unset: no kind's default is overridden. */
  rateLimits: RateLimits;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export type RawConfig = z.output<typeof ConfigSchema>;

export interface EnvironmentOptions {
  /** Reads `@path` values (Node); without it, such a value is refused with a message saying so. */
  readFile?: (path: string) => string;
}

/** `@path` values replaced by the file's content; problems are collected as configuration lines. */
function withFiles(strings: Record<string, string>, options: EnvironmentOptions, problems: string[]) {
  const result = { ...strings };
  for (const name of FILE_VARIABLES) {
    const value = result[name];
    if (!value?.startsWith("@")) continue;
    const path = value.slice(1);
    if (!options.readFile) {
      problems.push(`${name}: "${value}" names a file, which only the Node server reads; set the value itself`);
      continue;
    }
    try {
      result[name] = options.readFile(path).trim();
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
      problems.push(`${name}: cannot read ${path} (${reason}); give the path of the file that holds the value`);
    }
  }
  return result;
}

/** Parses the environment; every message names the variable it is about and says what it expects. */
export function parseEnvironment(env: Record<string, unknown>, options: EnvironmentOptions = {}): RawConfig {
  const problems: string[] = [];
  const strings = withFiles(
    Object.fromEntries(
      Object.entries(env).filter(
        ([key, value]) => typeof value === "string" && value !== "" && key in ConfigSchema.shape,
      ),
    ) as Record<string, string>,
    options,
    problems,
  );
  const parsed = ConfigSchema.safeParse(strings);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  if (problems.length > 0 || !parsed.success) {
    throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  return parsed.data;
}

/**
 * Completes a parsed environment into a Config. `secrets` supplies development defaults for the
 * pepper and signing keys; in production (or when no defaults are offered) their absence is an error.
 */
export function resolveConfig(
  raw: RawConfig,
  secrets?: { pepper: () => string; signingKeys: () => PrivateJwks },
): Config {
  const production = raw.NODE_ENV === "production";
  const missing = (name: string, how: string) =>
    new ConfigError(
      `${name} is required${production ? " when NODE_ENV=production" : ""}; refusing to start without it. ${how}`,
    );
  const allowDefaults = !production && secrets !== undefined;
  const pepper = raw.NUMBIND_PEPPER ?? (allowDefaults ? secrets.pepper() : undefined);
  if (!pepper) {
    throw missing(
      "NUMBIND_PEPPER",
      "Set it to 32 or more random characters (`openssl rand -base64 32`), or to @path of a file holding them; keep it safe: without it no stored number can be matched again.",
    );
  }
  const signingKeys = raw.NUMBIND_SIGNING_KEYS ?? (allowDefaults ? secrets.signingKeys() : undefined);
  if (!signingKeys) {
    throw missing(
      "NUMBIND_SIGNING_KEYS",
      "Set it to the registry's private key: `numbind keygen --out registry-key.json`, then NUMBIND_SIGNING_KEYS=@registry-key.json.",
    );
  }
  return {
    production,
    port: raw.PORT,
    dbPath: raw.NUMBIND_DB_PATH,
    issuer: raw.NUMBIND_ISSUER ?? `http://localhost:${raw.PORT}`,
    pepper,
    signingKeys,
    inactivityMs: raw.NUMBIND_INACTIVITY,
    sweepIntervalMs: raw.NUMBIND_SWEEP_INTERVAL,
    defaultRegion: raw.NUMBIND_DEFAULT_REGION,
    bootstrapAdminJwks: raw.NUMBIND_BOOTSTRAP_ADMIN_JWKS,
    shards: raw.NUMBIND_SHARDS,
    rateLimits: raw.NUMBIND_RATE_LIMITS ?? { off: false, byKind: {} },
  };
}
