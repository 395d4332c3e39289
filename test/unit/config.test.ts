import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateSigningJwk } from "../../src/auth/keys.js";
import { ConfigError, parseDuration, parseEnvironment, resolveConfig } from "../../src/config.js";
import { loadNodeConfig } from "../../src/runtime/node/setup.js";

describe("configuration", () => {
  it("applies the documented defaults", async () => {
    const dir = mkdtempSync(join(tmpdir(), "numbind-"));
    const config = await loadNodeConfig({ NUMBIND_DB_PATH: join(dir, "db.sqlite") });
    expect(config).toMatchObject({
      port: 8787,
      issuer: "http://localhost:8787",
      inactivityMs: 90 * 86_400_000,
      sweepIntervalMs: 60_000,
      defaultRegion: "CN",
      production: false,
    });
  });

  it("generates the pepper and signing key once into the data folder, 0600, and reuses them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "numbind-"));
    const env = { NUMBIND_DB_PATH: join(dir, "db.sqlite") };
    const first = await loadNodeConfig(env);
    const second = await loadNodeConfig(env);
    expect(second.pepper).toBe(first.pepper);
    expect(second.signingKeys).toEqual(first.signingKeys);
    for (const file of ["pepper", "signing-keys.json"]) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, "signing-keys.json"), "utf8")).keys[0].d).toBeTypeOf("string");
  });

  it("refuses to start in production without a pepper or signing keys", async () => {
    const keys = JSON.stringify({ keys: [await generateSigningJwk()] });
    await expect(loadNodeConfig({ NODE_ENV: "production", NUMBIND_SIGNING_KEYS: keys })).rejects.toThrow(
      /NUMBIND_PEPPER is required/,
    );
    await expect(loadNodeConfig({ NODE_ENV: "production", NUMBIND_PEPPER: "p".repeat(32) })).rejects.toThrow(
      /NUMBIND_SIGNING_KEYS is required/,
    );
    const ok = await loadNodeConfig({
      NODE_ENV: "production",
      NUMBIND_PEPPER: "p".repeat(32),
      NUMBIND_SIGNING_KEYS: keys,
      NUMBIND_ISSUER: "https://numbind.example",
    });
    expect(ok.issuer).toBe("https://numbind.example");
  });

  it("names the variable of every malformed value", () => {
    for (const [name, value] of [
      ["NUMBIND_INACTIVITY", "90 days"],
      ["NUMBIND_INACTIVITY", "P3M"],
      ["NUMBIND_SWEEP_INTERVAL", "PT"],
      ["PORT", "eighty"],
      ["NUMBIND_DEFAULT_REGION", "china"],
      ["NUMBIND_SIGNING_KEYS", "{not json"],
      [
        "NUMBIND_SIGNING_KEYS",
        JSON.stringify({ keys: [{ kty: "OKP", crv: "Ed25519", x: "abc", kid: "public-only" }] }),
      ],
      ["NUMBIND_ISSUER", "not a url"],
    ]) {
      expect(() => parseEnvironment({ [name!]: value }), `${name}=${value}`).toThrow(ConfigError);
      expect(() => parseEnvironment({ [name!]: value })).toThrow(new RegExp(name!));
    }
    expect(() => resolveConfig(parseEnvironment({}))).toThrow(/NUMBIND_PEPPER/);
  });

  it("reads ISO 8601 durations of fixed length", () => {
    expect(parseDuration("P90D")).toBe(90 * 86_400_000);
    expect(parseDuration("PT1M")).toBe(60_000);
    expect(parseDuration("P1W")).toBe(7 * 86_400_000);
    expect(parseDuration("P1DT12H")).toBe(36 * 3_600_000);
    expect(parseDuration("PT0.5S")).toBe(500);
    for (const bad of ["P", "PT", "P1Y", "P3M", "90D", "P0D", "-P1D"]) expect(parseDuration(bad), bad).toBeUndefined();
  });
});
