import { z } from "zod";
import { type PrivateJwks, parsePrivateJwks } from "./auth/keys.js";

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

const jsonText = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: "custom", message: "is not valid JSON" });
    return z.NEVER;
  }
});

/** The environment as it arrives (process.env or Worker vars and secrets): strings only. */
const ConfigSchema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  NUMBIND_DB_PATH: z.string().min(1).default("./data/numbind.sqlite"),
  NUMBIND_ISSUER: z.url().optional(),
  NUMBIND_PEPPER: z.string().min(32, "must be at least 32 characters").optional(),
  NUMBIND_SIGNING_KEYS: jsonText
    .transform((value, ctx) => {
      try {
        return parsePrivateJwks(value);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional(),
  NUMBIND_INACTIVITY: duration("P90D"),
  NUMBIND_SWEEP_INTERVAL: duration("PT1M"),
  NUMBIND_DEFAULT_REGION: z
    .string()
    .regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 region such as CN")
    .default("CN"),
  NUMBIND_BOOTSTRAP_ADMIN_JWKS: jsonText.optional(),
});

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
  bootstrapAdminJwks?: unknown;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

export type RawConfig = z.output<typeof ConfigSchema>;

/** Parses the environment; every message names the variable it is about. */
export function parseEnvironment(env: Record<string, unknown>): RawConfig {
  const strings = Object.fromEntries(
    Object.entries(env).filter(
      ([key, value]) => typeof value === "string" && value !== "" && key in ConfigSchema.shape,
    ),
  );
  const parsed = ConfigSchema.safeParse(strings);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join("\n  ")}`);
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
  const missing = (name: string) =>
    new ConfigError(
      `${name} is required${production ? " when NODE_ENV=production" : ""}; refusing to start without it`,
    );
  const allowDefaults = !production && secrets !== undefined;
  const pepper = raw.NUMBIND_PEPPER ?? (allowDefaults ? secrets.pepper() : undefined);
  if (!pepper) throw missing("NUMBIND_PEPPER");
  const signingKeys = raw.NUMBIND_SIGNING_KEYS ?? (allowDefaults ? secrets.signingKeys() : undefined);
  if (!signingKeys) throw missing("NUMBIND_SIGNING_KEYS");
  return {
    production,
    port: raw.PORT,
    dbPath: raw.NUMBIND_DB_PATH,
    issuer: (raw.NUMBIND_ISSUER ?? `http://localhost:${raw.PORT}`).replace(/\/+$/, ""),
    pepper,
    signingKeys,
    inactivityMs: raw.NUMBIND_INACTIVITY,
    sweepIntervalMs: raw.NUMBIND_SWEEP_INTERVAL,
    defaultRegion: raw.NUMBIND_DEFAULT_REGION,
    bootstrapAdminJwks: raw.NUMBIND_BOOTSTRAP_ADMIN_JWKS,
  };
}
