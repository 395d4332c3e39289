import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { webhookDeliveries } from "../../src/db/control-schema.js";
import { appendToFeeds } from "../../src/events/store.js";
import { DeliveryPump } from "../../src/webhooks/dispatch.js";
import { createEndpoint } from "../../src/webhooks/store.js";
import { fetchTransport } from "../../src/webhooks/transport.js";
import { createHarness, type Harness, type TestClient } from "../support/harness.js";
import { type Delivery, type Receiver, webhookDeliveryScenarios } from "./webhook-scenarios.js";

/**
 * A receiver inside the test: the registry's own fetch transport, with the global fetch answering
 * for the receiver's host while it is open (so POST /test, which uses the app's transport, lands
 * here too).
 */
async function inMemoryReceiver(): Promise<Receiver> {
  const realFetch = globalThis.fetch;
  const receiver: Receiver = {
    base: "https://receiver.example",
    deliveries: [],
    answer: () => 204,
    transport: fetchTransport(),
    close: async () => {
      globalThis.fetch = realFetch;
    },
  };
  globalThis.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.origin !== receiver.base) return realFetch(input, init);
    const delivery: Delivery = {
      path: url.pathname,
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: String(init?.body),
    };
    receiver.deliveries.push(delivery);
    return new Response(null, { status: await receiver.answer(delivery) });
  };
  return receiver;
}

// The delivery rules on every runtime (D1 and its trigger on workerd); test/node runs them over real HTTP.
webhookDeliveryScenarios(inMemoryReceiver);

async function call(h: Harness, client: TestClient, method: string, path: string, json?: unknown) {
  return h.request(method, path, { token: await client.bearer(), json });
}

describe("webhook endpoints", () => {
  it("registers, lists, changes and deletes an app's endpoints; the secret is shown once", async () => {
    const h = await createHarness();
    const bank = await h.client("app", "Bank");
    const created = await call(h, bank, "POST", "/v1/webhooks", {
      url: "https://bank.example/hooks",
      event_types: ["binding.unbound", "binding.unbound", "number.deactivated"],
    });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      id: expect.stringMatching(/^wh_/),
      url: "https://bank.example/hooks",
      event_types: ["binding.unbound", "number.deactivated"],
      enabled: true,
      disabled_reason: null,
      previous_secret_expires_at: null,
      created_at: "2026-01-15T00:00:00.000Z",
      updated_at: "2026-01-15T00:00:00.000Z",
      secret: expect.stringMatching(/^whsec_/),
    });
    const { secret, ...view } = created.json;
    const id = view.id as string;
    expect((await call(h, bank, "GET", `/v1/webhooks/${id}`)).json).toEqual(view);
    const listed = await call(h, bank, "GET", "/v1/webhooks");
    expect(listed.json).toEqual({ items: [view], next_cursor: null });
    expect(JSON.stringify(listed.json)).not.toContain(secret);

    h.advance(1000);
    const patched = await call(h, bank, "PATCH", `/v1/webhooks/${id}`, {
      url: "https://bank.example/v2",
      event_types: null,
      enabled: false,
    });
    expect(patched.json).toMatchObject({ url: "https://bank.example/v2", event_types: null, enabled: false });
    expect(patched.json.updated_at).toBe("2026-01-15T00:00:01.000Z");
    expect((await call(h, bank, "DELETE", `/v1/webhooks/${id}`)).status).toBe(204);
    expect((await call(h, bank, "GET", `/v1/webhooks/${id}`)).status).toBe(404);
    expect((await call(h, bank, "DELETE", `/v1/webhooks/${id}`)).status).toBe(404);
  });

  it("another app's endpoint is 404 on every route; carriers and tokens without the scope are 403", async () => {
    const h = await createHarness();
    const bank = await h.client("app", "Bank");
    const shop = await h.client("app", "Shop");
    const { id } = (await call(h, bank, "POST", "/v1/webhooks", { url: "https://bank.example/hooks" })).json;
    for (const [method, path, json] of [
      ["GET", `/v1/webhooks/${id}`, undefined],
      ["PATCH", `/v1/webhooks/${id}`, { enabled: false }],
      ["DELETE", `/v1/webhooks/${id}`, undefined],
      ["POST", `/v1/webhooks/${id}/rotate-secret`, {}],
      ["POST", `/v1/webhooks/${id}/test`, {}],
      ["GET", `/v1/webhooks/${id}/attempts`, undefined],
      ["POST", `/v1/webhooks/${id}/replay`, { after: 0 }],
    ] as const) {
      const response = await call(h, shop, method, path, json);
      expect([method, path, response.status, response.json.code]).toEqual([method, path, 404, "NOT_FOUND"]);
    }
    expect((await call(h, shop, "GET", "/v1/webhooks")).json.items).toEqual([]);
    expect((await call(h, bank, "GET", `/v1/webhooks/${id}`)).json.enabled).toBe(true);

    const carrier = await h.client("carrier", "cmcc", { prefixes: ["+86139"] });
    expect((await call(h, carrier, "GET", "/v1/webhooks")).status).toBe(403);
    const eventsOnly = await bank.token("events");
    expect((await h.request("GET", "/v1/webhooks", { token: eventsOnly })).status).toBe(403);
    expect((await h.request("GET", "/v1/webhooks", { token: await bank.token("webhooks") })).status).toBe(200);
  });

  it("refuses what is not a URL to POST to, unknown event types and members, and a 21st endpoint", async () => {
    const h = await createHarness();
    const bank = await h.client("app", "Bank");
    for (const body of [
      { url: "not a url" },
      { url: "ftp://bank.example/x" },
      { url: "https://user:pass@bank.example/x" },
      { url: "https://bank.example/x#frag" },
      { url: "https://bank.example/x", event_types: ["binding.created"] },
      { url: "https://bank.example/x", event_types: [] },
      { url: "https://bank.example/x", secret: "whsec_mine" },
    ]) {
      const response = await call(h, bank, "POST", "/v1/webhooks", body);
      expect([body, response.status]).toEqual([body, 400]);
    }
    for (let i = 0; i < 20; i++) {
      expect((await call(h, bank, "POST", "/v1/webhooks", { url: `https://bank.example/${i}` })).status).toBe(201);
    }
    expect((await call(h, bank, "POST", "/v1/webhooks", { url: "https://bank.example/21" })).json.code).toBe(
      "CONFLICT",
    );
  });

  it("a redelivered feed event queues no second delivery", async () => {
    const h = await createHarness();
    const bank = await h.client("app", "Bank");
    const { id } = (await call(h, bank, "POST", "/v1/webhooks", { url: "https://bank.example/hooks" })).json;
    const row = {
      seq: 1,
      eventKey: "shard-event-1",
      appId: bank.id,
      type: "binding.unbound" as const,
      occurredAt: h.now(),
      data: { binding_id: "bnd_x", account_ref: "a", phone_number_hint: "+86139****5678", reason: "APP_UNBOUND" },
    };
    await appendToFeeds(h.db, [row]);
    await appendToFeeds(h.db, [row, { ...row, seq: 2, eventKey: "shard-event-2" }]);
    const queued = await h.db.orm.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, id));
    expect(queued).toHaveLength(2);
    expect((await call(h, bank, "GET", "/v1/events")).json.items).toHaveLength(2);
  });
});

describe("webhook destinations in production (SSRF)", () => {
  it("refuses http, and hosts that are or name the registry's own network, at registration", async () => {
    const h = await createHarness({ config: { production: true } });
    const bank = await h.client("app", "Bank");
    for (const url of [
      "http://bank.example/hooks",
      "https://127.0.0.1/x",
      "https://2130706433/x",
      "https://localhost/x",
      "https://api.localhost/x",
      "https://[::1]/x",
      "https://[::ffff:127.0.0.1]/x",
      "https://10.1.2.3/x",
      "https://172.16.0.1/x",
      "https://192.168.1.1/x",
      "https://169.254.169.254/latest/meta-data",
      "https://100.100.100.200/x",
      "https://[fe80::1]/x",
      "https://[fd00:ec2::254]/x",
      "https://metadata.google.internal/x",
      "https://intranet/x",
      "https://0.0.0.0/x",
    ]) {
      const response = await call(h, bank, "POST", "/v1/webhooks", { url });
      expect([url, response.status, response.json.errors?.[0]?.pointer]).toEqual([url, 400, "/url"]);
    }
    const created = await call(h, bank, "POST", "/v1/webhooks", { url: "https://hooks.bank.example/x" });
    expect(created.status).toBe(201);
    const moved = await call(h, bank, "PATCH", `/v1/webhooks/${created.json.id}`, { url: "https://10.0.0.1/x" });
    expect(moved.status).toBe(400);
  });

  it("refuses a private destination again at delivery, without connecting", async () => {
    const h = await createHarness({ config: { production: true } });
    const bank = await h.client("app", "Bank");
    // Stored before the rules (or by an operator): the delivery still refuses it.
    const endpoint = await createEndpoint(h.db, h.now(), {
      appId: bank.id,
      url: "https://127.0.0.1:8443/hooks",
      eventTypes: null,
      enabled: true,
    });
    let connected = 0;
    const transport = fetchTransport(async () => {
      connected++;
      return new Response(null, { status: 204 });
    });
    const put = await call(h, bank, "PUT", "/v1/bindings", { phone_number: "+8613912345678", account_ref: "a" });
    await call(h, bank, "DELETE", `/v1/bindings/${put.json.id}`);
    await new DeliveryPump({ db: h.db, clock: h.now, transport, guarded: true, maxInFlight: 1 }).drain();
    expect(connected).toBe(0);
    const attempts = (await call(h, bank, "GET", `/v1/webhooks/${endpoint.id}/attempts`)).json.items;
    expect(attempts).toEqual([
      expect.objectContaining({
        status: "failed",
        response_status: null,
        error: "refused: the host is a loopback address",
        next_retry_at: expect.any(String),
      }),
    ]);
  });
});
