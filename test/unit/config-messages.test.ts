import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateSigningJwk, publicJwk } from "../../src/auth/keys.js";
import { parseBudget, parseRateLimits } from "../../src/config/rate-limits.js";
import { ConfigError, parseEnvironment, resolveConfig } from "../../src/config.js";
import { loadNodeConfig, nodeConfigNotes, openNodeDatabase } from "../../src/runtime/node/setup.js";

/** The message a start with this environment stops with. */
function messageFor(env: Record<string, string>, options?: Parameters<typeof parseEnvironment>[1]): string {
  try {
    parseEnvironment(env, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`no error for ${JSON.stringify(env)}`);
}

const tempDir = () => mkdtempSync(join(tmpdir(), "numbind-config-"));

describe("configuration messages say what was expected", () => {
  it("a region libphonenumber does not know names valid examples; a lower-case one is accepted", () => {
    expect(messageFor({ NUMBIND_DEFAULT_REGION: "XX" })).toMatch(
      /NUMBIND_DEFAULT_REGION: "XX" is not a region .* such as CN, US, GB, IN or DE/,
    );
    expect(messageFor({ NUMBIND_DEFAULT_REGION: "UK" })).toMatch(/NUMBIND_DEFAULT_REGION: "UK"/);
    expect(parseEnvironment({ NUMBIND_DEFAULT_REGION: "gb" }).NUMBIND_DEFAULT_REGION).toBe("GB");
  });

  it("an issuer without a scheme asks for a URL like https://numbind.example", () => {
    for (const value of [
      "localhost:8787",
      "numbind.example",
      "ftp://numbind.example",
      "https://numbind.example/?a=1",
    ]) {
      expect(messageFor({ NUMBIND_ISSUER: value }), value).toMatch(
        /NUMBIND_ISSUER: .* is not an http\(s\) URL; .* like https:\/\/numbind\.example/,
      );
    }
    expect(parseEnvironment({ NUMBIND_ISSUER: "https://numbind.example/" }).NUMBIND_ISSUER).toBe(
      "https://numbind.example",
    );
  });

  it("a bootstrap JWKS that is not JSON says it takes the JSON or @file", () => {
    expect(messageFor({ NUMBIND_BOOTSTRAP_ADMIN_JWKS: "admin-jwks.json" })).toMatch(
      /NUMBIND_BOOTSTRAP_ADMIN_JWKS: is not JSON; set it to the public JWKS itself .* or to @path\/to\/file\.json/,
    );
  });

  it("reads @file values on Node, and names the file it cannot read", async () => {
    const dir = tempDir();
    const key = await generateSigningJwk();
    const jwksFile = join(dir, "admin-jwks.json");
    writeFileSync(jwksFile, JSON.stringify({ keys: [publicJwk(key)] }));
    const keyFile = join(dir, "registry-key.json");
    writeFileSync(keyFile, JSON.stringify(key));
    const pepperFile = join(dir, "pepper");
    writeFileSync(pepperFile, "p".repeat(40) + "\n");
    const config = await loadNodeConfig({
      NODE_ENV: "production",
      NUMBIND_DB_PATH: ":memory:",
      NUMBIND_BOOTSTRAP_ADMIN_JWKS: `@${jwksFile}`,
      NUMBIND_SIGNING_KEYS: `@${keyFile}`,
      NUMBIND_PEPPER: `@${pepperFile}`,
    });
    expect(config.bootstrapAdminJwks?.keys[0]?.kid).toBe(key.kid);
    expect(config.signingKeys.keys[0]?.d).toBe(key.d);
    expect(config.pepper).toBe("p".repeat(40));

    await expect(loadNodeConfig({ NUMBIND_BOOTSTRAP_ADMIN_JWKS: `@${join(dir, "missing.json")}` })).rejects.toThrow(
      /NUMBIND_BOOTSTRAP_ADMIN_JWKS: cannot read .*missing\.json \(no such file\)/,
    );
  });

  it("refuses @file where no file can be read (Workers)", () => {
    expect(messageFor({ NUMBIND_PEPPER: "@/run/secrets/pepper" })).toMatch(
      /NUMBIND_PEPPER: "@\/run\/secrets\/pepper" names a file, which only the Node server reads; set the value itself/,
    );
  });

  it("a private key as the bootstrap JWKS asks for the public JWKS", async () => {
    const key = await generateSigningJwk();
    for (const value of [key, { keys: [key] }]) {
      expect(messageFor({ NUMBIND_BOOTSTRAP_ADMIN_JWKS: JSON.stringify(value) })).toMatch(
        /NUMBIND_BOOTSTRAP_ADMIN_JWKS: this is a private key: pass the public JWKS that `numbind keygen` printed/,
      );
    }
  });

  it("a missing production secret says how to make one", () => {
    expect(() => resolveConfig(parseEnvironment({ NODE_ENV: "production" }))).toThrow(
      /NUMBIND_PEPPER is required when NODE_ENV=production.*openssl rand -base64 32/,
    );
    expect(() => resolveConfig(parseEnvironment({ NODE_ENV: "production", NUMBIND_PEPPER: "p".repeat(32) }))).toThrow(
      /NUMBIND_SIGNING_KEYS is required .*numbind keygen --out registry-key\.json/,
    );
  });

  it("lists every problem at once", () => {
    const message = messageFor({ PORT: "eighty", NUMBIND_ISSUER: "localhost", NUMBIND_SHARDS: "3" });
    expect(message.split("\n")).toHaveLength(4);
    expect(message).toMatch(/PORT: must be a port number from 0 to 65535/);
  });
});

describe("NUMBIND_SHARDS", () => {
  it("takes a power of two from 1 to 1024", () => {
    expect(parseEnvironment({ NUMBIND_SHARDS: "64" }).NUMBIND_SHARDS).toBe(64);
    expect(parseEnvironment({ NUMBIND_SHARDS: "1" }).NUMBIND_SHARDS).toBe(1);
    for (const value of ["0", "3", "2048", "sixty-four", "64.0", "-2"]) {
      expect(messageFor({ NUMBIND_SHARDS: value }), value).toMatch(
        /NUMBIND_SHARDS: ".*" is not a power of two from 1 to 1024 \(e\.g\. 64\)/,
      );
    }
  });

  it("is noted as unused by the Node server, which runs one shard", async () => {
    const config = await loadNodeConfig({ NUMBIND_DB_PATH: join(tempDir(), "db.sqlite"), NUMBIND_SHARDS: "64" });
    expect(config.shards).toBe(64);
    expect(nodeConfigNotes(config)).toEqual([expect.stringMatching(/NUMBIND_SHARDS=64 is for Workers/)]);
    expect(nodeConfigNotes({ ...config, shards: 1 })).toEqual([]);
  });
});

describe("NUMBIND_RATE_LIMITS", () => {
  it("parses budgets per kind, or off", () => {
    expect(parseRateLimits("app=2000/s,carrier=200/s,person=5/s")).toEqual({
      off: false,
      byKind: {
        app: { count: 2000, perMs: 1000 },
        carrier: { count: 200, perMs: 1000 },
        person: { count: 5, perMs: 1000 },
      },
    });
    expect(parseRateLimits(" admin = 30/min ")).toEqual({
      off: false,
      byKind: { admin: { count: 30, perMs: 60_000 } },
    });
    expect(parseRateLimits("OFF")).toEqual({ off: true });
    expect(parseBudget("100/h")).toEqual({ count: 100, perMs: 3_600_000 });
    expect(parseBudget("0/s")).toBeUndefined();
  });

  it("is on Config as rateLimits, with no override when unset", () => {
    const keys = { keys: [] };
    const raw = parseEnvironment({ NUMBIND_PEPPER: "p".repeat(32), NUMBIND_RATE_LIMITS: "off" });
    expect(resolveConfig(raw, { pepper: () => "", signingKeys: () => keys }).rateLimits).toEqual({ off: true });
    const unset = parseEnvironment({ NUMBIND_PEPPER: "p".repeat(32) });
    expect(resolveConfig(unset, { pepper: () => "", signingKeys: () => keys }).rateLimits).toEqual({
      off: false,
      byKind: {},
    });
  });

  it("says what is wrong with each malformed value", () => {
    const cases: [string, RegExp][] = [
      ["bank=10/s", /"bank" is not a kind with a budget; the kinds are app, carrier, admin, person/],
      ["app=fast", /app=fast: a budget is a count per s, min or h, like 2000\/s or 3000\/min/],
      ["app=10/day", /a budget is a count per s, min or h/],
      ["app", /"app" is not kind=budget; write e\.g\. app=2000\/s,carrier=200\/s,person=300\/min, or off/],
      ["app=1/s,app=2/s", /app is given twice/],
      ["app=off", /switched off all at once \(NUMBIND_RATE_LIMITS=off\)/],
    ];
    for (const [value, expected] of cases) {
      const message = messageFor({ NUMBIND_RATE_LIMITS: value });
      expect(message, value).toMatch(/NUMBIND_RATE_LIMITS: /);
      expect(message, value).toMatch(expected);
    }
  });
});

describe("the database file", () => {
  it("is created 0600, and so are its -wal and -shm files", async () => {
    const dir = tempDir();
    const dbPath = join(dir, "data", "numbind.sqlite");
    const config = await loadNodeConfig({ NUMBIND_DB_PATH: dbPath });
    const db = await openNodeDatabase(config);
    try {
      for (const file of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) {
        expect(statSync(file).mode & 0o777, file).toBe(0o600);
      }
      expect(statSync(join(dir, "data")).mode & 0o777).toBe(0o700);
    } finally {
      db.close();
    }
  });
});
