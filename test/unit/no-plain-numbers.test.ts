import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { createClient } from "../../src/auth/clients.js";
import { generateSigningJwk, publicJwk } from "../../src/auth/keys.js";
import { sweep } from "../../src/bindings/sweep.js";
import { migrateSqlite, openSqlite } from "../../src/db/better-sqlite3.js";
import { localShards } from "../../src/runtime/node/shards.js";
import { signJwt } from "../support/harness.js";

const ISSUER = "https://numbind.test";

describe("the database file", () => {
  it("holds no plain number after a whole life cycle", async () => {
    const dir = mkdtempSync(join(tmpdir(), "numbind-plain-"));
    const db = openSqlite(join(dir, "numbind.sqlite"));
    migrateSqlite(db, new URL("../../migrations", import.meta.url).pathname);
    let now = Date.UTC(2026, 0, 15);
    const clock = () => now;
    const config = {
      issuer: ISSUER,
      pepper: "p".repeat(40),
      signingKeys: { keys: [await generateSigningJwk()] },
      inactivityMs: 90 * 86_400_000,
      defaultRegion: "CN",
    };
    const shards = localShards(db);
    const app = createApp({ db, shards, clock, config });
    const keys = { app: await generateSigningJwk(), carrier: await generateSigningJwk() };
    const bank = await createClient(db, clock, { kind: "app", name: "Bank", jwks: { keys: [publicJwk(keys.app)] } });
    const carrier = await createClient(db, clock, {
      kind: "carrier",
      name: "C",
      jwks: { keys: [publicJwk(keys.carrier)] },
      numberPrefixes: ["+86139"],
    });
    const token = async (id: string, key: typeof keys.app, sub = id) => {
      const iat = Math.floor(now / 1000);
      const assertion = await signJwt(key, { iss: id, sub, aud: ISSUER, iat, exp: iat + 60, jti: crypto.randomUUID() });
      const form: Record<string, string> =
        sub === id
          ? {
              grant_type: "client_credentials",
              client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
              client_assertion: assertion,
            }
          : { grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion };
      const response = await app.request("/oauth/token", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form).toString(),
      });
      return ((await response.json()) as { access_token: string }).access_token;
    };
    const call = async (bearer: string, method: string, path: string, body?: unknown) =>
      app.request(path, {
        method,
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const appToken = await token(bank.id, keys.app);
    const carrierToken = await token(carrier.id, keys.carrier);
    const numbersUsed = ["+8613912345678", "+8613987654321", "+8613911112222"];
    for (const [i, n] of numbersUsed.entries())
      expect((await call(appToken, "PUT", "/v1/bindings", { phone_number: n, account_ref: `acct-${i}` })).status).toBe(
        201,
      );
    await call(carrierToken, "POST", "/v1/numbers/bindings", { phone_numbers: numbersUsed });
    await call(carrierToken, "POST", "/v1/numbers/events", {
      events: [
        { id: "e1", phone_number: numbersUsed[0], type: "deactivated", occurred_at: new Date(now).toISOString() },
        { id: "e2", phone_number: numbersUsed[1], type: "reassigned", occurred_at: new Date(now).toISOString() },
      ],
    });
    const person = await token(carrier.id, keys.carrier, `tel:${numbersUsed[2]}`);
    const mine = (await (await call(person, "GET", "/v1/me/bindings")).json()) as { items: { id: string }[] };
    expect((await call(person, "DELETE", `/v1/me/bindings/${mine.items[0]!.id}`)).status).toBe(204);
    now += 91 * 86_400_000;
    await sweep({ shards, clock, inactivityMs: config.inactivityMs });
    db.close();
    for (const file of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, file)).toString("latin1");
      for (const n of numbersUsed) {
        expect(bytes, file).not.toContain(n);
        expect(bytes, file).not.toContain(n.slice(3));
      }
    }
  });
});
