/// <reference types="@cloudflare/vitest-pool-workers/types" />
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { generateSigningJwk, publicJwk } from "../../src/auth/keys.js";
import { clients, usedAssertions } from "../../src/db/control-schema.js";
import { openD1 } from "../../src/db/d1.js";
import type { WorkerEnv } from "../../src/runtime/workers/env.js";
import worker from "../../src/worker.js";
import { freshStores } from "../support/db-workers.js";
import { signJwt } from "../support/harness.js";

const ISSUER = "https://numbind.workers.test";

async function secrets() {
  return {
    NUMBIND_PEPPER: "worker-pepper-worker-pepper-worker-0123",
    NUMBIND_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk()] }),
    NUMBIND_ISSUER: ISSUER,
  };
}

/** One request to the Worker with exactly this env object: the same object means the same isolate state. */
async function callWith(workerEnv: WorkerEnv, path: string, init?: RequestInit) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`${ISSUER}${path}`, init), workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

function call(workerEnv: Record<string, unknown>, path: string, init?: RequestInit) {
  return callWith({ DB: env.DB, SHARD: env.SHARD, ...workerEnv }, path, init);
}

describe("the Worker entry (src/worker.ts)", () => {
  it("answers 500 problem+json naming a missing secret, never falling back to a default key", async () => {
    await freshStores();
    const { NUMBIND_SIGNING_KEYS } = await secrets();
    const response = await call({ NUMBIND_SIGNING_KEYS }, "/healthz");
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({
      code: "INTERNAL",
      detail: expect.stringContaining("NUMBIND_PEPPER"),
    });
    const malformed = await call({ ...(await secrets()), NUMBIND_INACTIVITY: "3 months" }, "/healthz");
    expect(((await malformed.json()) as { detail: string }).detail).toContain("NUMBIND_INACTIVITY");
    const traced = await call({ NUMBIND_SIGNING_KEYS }, "/healthz", { headers: { "x-request-id": "trace-1" } });
    expect(traced.headers.get("x-request-id")).toBe("trace-1");
    expect(((await traced.json()) as { request_id: string }).request_id).toBe("trace-1");
  });

  it("a failed start-up write is not remembered: the isolate's next request tries again", async () => {
    await freshStores();
    const adminKey = await generateSigningJwk();
    const workerEnv = {
      DB: env.DB,
      SHARD: env.SHARD,
      ...(await secrets()),
      NUMBIND_BOOTSTRAP_ADMIN_JWKS: JSON.stringify({ keys: [publicJwk(adminKey)] }),
    };
    await env.DB.exec("ALTER TABLE clients RENAME TO clients_away");
    const failed = await callWith(workerEnv, "/healthz");
    expect(failed.status).toBe(500);
    expect(failed.headers.get("x-request-id")).toBeTruthy();
    await env.DB.exec("ALTER TABLE clients_away RENAME TO clients");
    const recovered = await callWith(workerEnv, "/healthz");
    expect(recovered.status).toBe(200);
    expect(await openD1(env.DB).orm.select({ id: clients.id }).from(clients)).toEqual([{ id: "admin" }]);
  });

  it("serves the API from vars and secrets, bootstrapping the admin client from its JWKS", async () => {
    await freshStores();
    const adminKey = await generateSigningJwk();
    const workerEnv = {
      ...(await secrets()),
      NUMBIND_BOOTSTRAP_ADMIN_JWKS: JSON.stringify({ keys: [publicJwk(adminKey)] }),
    };
    expect(await (await call(workerEnv, "/healthz")).json()).toEqual({ status: "ok" });
    const iat = Math.floor(Date.now() / 1000);
    const assertion = await signJwt(adminKey, {
      iss: "admin",
      sub: "admin",
      aud: ISSUER,
      iat,
      exp: iat + 60,
      jti: crypto.randomUUID(),
    });
    const token = await call(workerEnv, "/oauth/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: assertion,
      }),
    });
    expect(token.status).toBe(200);
    const { access_token } = (await token.json()) as { access_token: string };
    const clients = await call(workerEnv, "/v1/admin/clients", {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(((await clients.json()) as { items: { id: string; kind: string }[] }).items).toEqual([
      expect.objectContaining({ id: "admin", kind: "admin" }),
    ]);
  });

  it("the cron trigger forgets spent assertion ids; the shards sweep themselves", async () => {
    await freshStores();
    const db = openD1(env.DB);
    await db.orm.insert(usedAssertions).values([
      { clientId: "c", jti: "spent", expiresAt: Date.now() - 60_000 },
      { clientId: "c", jti: "live", expiresAt: Date.now() + 60_000 },
    ]);
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }),
      { DB: env.DB, SHARD: env.SHARD, ...(await secrets()) },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(await db.orm.select({ jti: usedAssertions.jti }).from(usedAssertions)).toEqual([{ jti: "live" }]);
  });

  it("refuses a shard count that is not a power of two, naming the variable", async () => {
    await freshStores();
    const response = await call({ ...(await secrets()), NUMBIND_SHARDS: "48" }, "/healthz");
    expect(response.status).toBe(500);
    expect(((await response.json()) as { detail: string }).detail).toContain("NUMBIND_SHARDS");
  });
});
