/// <reference types="@cloudflare/vitest-pool-workers/types" />
import { createExecutionContext, env, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, inject, it } from "vitest";
import { createClient } from "../../src/auth/clients.js";
import { generateSigningJwk, publicJwk } from "../../src/auth/keys.js";
import { CLIENT_ASSERTION_TYPE, signClientAssertion } from "../../src/client/assertion.js";
import { webhookEndpoints } from "../../src/db/control-schema.js";
import { openD1 } from "../../src/db/d1.js";
import type { WorkerEnv } from "../../src/runtime/workers/env.js";
import { WEBHOOK_DISPATCHERS } from "../../src/runtime/workers/webhook-dispatcher.js";
import worker from "../../src/worker.js";
import { freshStores } from "../support/db-workers.js";

// The Workers delivery path end to end, to a real HTTP receiver (test/workers/webhook-receiver.ts,
// in Node): a shard Durable Object appends to the feed in D1, the feed's trigger queues the
// delivery, the shard wakes a WebhookDispatcher, whose alarm sends it.

const ISSUER = "https://numbind.workers.test";
const receiver = inject("webhookReceiver");

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

async function workerEnv(): Promise<WorkerEnv> {
  return {
    DB: env.DB,
    SHARD: env.SHARD,
    WEBHOOKS: env.WEBHOOKS,
    NUMBIND_PEPPER: "worker-pepper-worker-pepper-worker-0123",
    NUMBIND_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk()] }),
    NUMBIND_ISSUER: ISSUER,
    NUMBIND_SHARDS: "4",
  };
}

async function call(workerEnv: WorkerEnv, path: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const response = await worker.fetch(new Request(`${ISSUER}${path}`, init), workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

async function appToken(workerEnv: WorkerEnv): Promise<string> {
  const key = await generateSigningJwk();
  const db = openD1(env.DB);
  const app = await createClient(db, Date.now, { kind: "app", name: "Bank", jwks: { keys: [publicJwk(key)] } });
  const response = await call(workerEnv, "/oauth/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: await signClientAssertion({ clientId: app.id, privateJwk: key, audience: ISSUER }),
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

/** What the receiver got at this path, once it holds `count` requests (the dispatcher's alarm runs on its own). */
async function receivedAt(path: string, count: number): Promise<Received[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const all = (await (await fetch(`${receiver}/__received`)).json()) as Received[];
    const mine = all.filter((entry) => entry.path === path);
    if (mine.length >= count || Date.now() > deadline) return mine;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("webhooks on Workers", () => {
  it("a shard's event wakes the dispatcher, whose alarm pushes it signed; a 500 sets its alarm for the retry", {
    timeout: 30_000,
  }, async () => {
    await freshStores();
    const e = await workerEnv();
    const auth = { authorization: `Bearer ${await appToken(e)}` };
    const send = (method: string, path: string, body?: unknown) =>
      call(e, path, {
        method,
        headers: body === undefined ? auth : { ...auth, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const path = `/hooks/${crypto.randomUUID()}`;
    const created = await send("POST", "/v1/webhooks", { url: `${receiver}${path}` });
    expect(created.status).toBe(201);
    const { id: endpointId, secret } = (await created.json()) as { id: string; secret: string };

    const bound = (await (
      await send("PUT", "/v1/bindings", { phone_number: "+8613912345678", account_ref: "a" })
    ).json()) as { id: string };
    expect((await send("DELETE", `/v1/bindings/${bound.id}`)).status).toBe(204);
    const [delivery] = await receivedAt(path, 1);
    const feed = (await (await send("GET", "/v1/events")).json()) as { items: { id: number }[] };
    expect(feed.items).toHaveLength(1);
    expect(delivery!.body).toBe(JSON.stringify(feed.items[0]));
    expect(delivery!.headers["webhook-id"]).toBe(String(feed.items[0]!.id));
    expect(new Webhook(secret).verify(delivery!.body, delivery!.headers)).toEqual(feed.items[0]);

    await fetch(`${receiver}/__answer`, { method: "POST", body: JSON.stringify({ path, status: 500 }) });
    const started = Date.now();
    const second = (await (
      await send("PUT", "/v1/bindings", { phone_number: "+8613912345679", account_ref: "b" })
    ).json()) as { id: string };
    await send("DELETE", `/v1/bindings/${second.id}`);
    expect(await receivedAt(path, 2)).toHaveLength(2);
    let attempts: { status: string; response_status: number; next_retry_at: string }[] = [];
    for (const deadline = Date.now() + 10_000; attempts.length < 2 && Date.now() < deadline; ) {
      attempts = (
        (await (await send("GET", `/v1/webhooks/${endpointId}/attempts`)).json()) as { items: typeof attempts }
      ).items;
    }
    expect(attempts[0]).toMatchObject({ status: "failed", response_status: 500 });
    const retryAt = Date.parse(attempts[0]!.next_retry_at);
    expect(retryAt - started).toBeGreaterThanOrEqual(4_500);
    expect(retryAt - started).toBeLessThanOrEqual(5_500 + (Date.now() - started));
    // The retry is the dispatcher's next alarm.
    const [{ slot }] = (await openD1(env.DB).orm.select({ slot: webhookEndpoints.slot }).from(webhookEndpoints)) as [
      { slot: number },
    ];
    const dispatcher = env.WEBHOOKS!.get(env.WEBHOOKS!.idFromName(`webhooks:${slot % WEBHOOK_DISPATCHERS}`));
    expect(await runInDurableObject(dispatcher, (_instance, state) => state.storage.getAlarm())).toBe(retryAt);
    // And when it rings, the same message goes again (same webhook-id), and is taken this time.
    await fetch(`${receiver}/__answer`, { method: "POST", body: JSON.stringify({ path, status: 204 }) });
    const all = await receivedAt(path, 3);
    expect(all.map((entry) => entry.headers["webhook-id"])).toEqual([
      String(feed.items[0]!.id),
      all[1]!.headers["webhook-id"],
      all[1]!.headers["webhook-id"],
    ]);
    expect(Date.now()).toBeGreaterThanOrEqual(retryAt);
    expect(new Webhook(secret).verify(all[2]!.body, all[2]!.headers)).toMatchObject({ type: "binding.unbound" });
  });
});
