import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { sweep } from "../../src/bindings/sweep.js";
import { DeliveryPump, DISABLE_AFTER_FAILING_MS, RETRY_DELAYS_MS } from "../../src/webhooks/dispatch.js";
import type { WebhookTransport } from "../../src/webhooks/transport.js";
import { createHarness, DAY, type TestClient } from "../support/harness.js";

/** One request the receiver got. */
export interface Delivery {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** An app's webhook receiver, as the tests drive it: in memory (every runtime) or real HTTP (Node). */
export interface Receiver {
  /** Prefix of the endpoint URLs: `${base}/bank`. */
  base: string;
  /** The transport the registry sends through to reach it. */
  transport: WebhookTransport;
  deliveries: Delivery[];
  /** Its answer to each request (default 204); may wait, to hold a delivery in flight. */
  answer: (delivery: Delivery) => number | Promise<number>;
  close(): Promise<void>;
}

/** Verifies with the standardwebhooks package at the registry's (fake) time: its 5-minute tolerance reads Date.now. */
function verify(secret: string, delivery: Delivery, at: number): unknown {
  const realNow = Date.now;
  Date.now = () => at;
  try {
    return new Webhook(secret).verify(delivery.body, delivery.headers);
  } finally {
    Date.now = realNow;
  }
}

const NUMBERS = ["+8613912345678", "+8613912345679", "+8613912345680", "+8613912345681"];
const iso = (ms: number) => new Date(ms).toISOString();

/** The delivery scenarios of docs/webhooks.md, against whatever receiver `open` gives. */
export function webhookDeliveryScenarios(open: () => Promise<Receiver>) {
  const receivers: Receiver[] = [];
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
  });

  async function setup() {
    const h = await createHarness();
    const receiver = await open();
    receivers.push(receiver);
    const bank = await h.client("app", "Bank");
    const carrier = await h.client("carrier", "cmcc", { prefixes: ["+86139"] });
    // random 0.5: no jitter, so a retry is due exactly on the schedule.
    const pump = new DeliveryPump({
      db: h.db,
      clock: h.now,
      transport: receiver.transport,
      guarded: false,
      maxInFlight: 4,
      random: () => 0.5,
    });
    const call = async (client: TestClient, method: string, path: string, json?: unknown) =>
      h.request(method, path, { token: await client.bearer(), json });
    const register = async (path: string, extra: Record<string, unknown> = {}, client = bank) => {
      const created = await call(client, "POST", "/v1/webhooks", { url: `${receiver.base}${path}`, ...extra });
      expect(created.status).toBe(201);
      return created.json as { id: string; secret: string };
    };
    const bind = async (number: string, account_ref: string, client = bank) =>
      (await call(client, "PUT", "/v1/bindings", { phone_number: number, account_ref })).json.id as string;
    const unbind = async (id: string, client = bank) =>
      expect((await call(client, "DELETE", `/v1/bindings/${id}`)).status).toBe(204);
    const feed = async (client = bank) => (await call(client, "GET", "/v1/events?limit=100")).json.items as any[];
    const attempts = async (endpointId: string) =>
      (await call(bank, "GET", `/v1/webhooks/${endpointId}/attempts?limit=100`)).json.items as any[];
    const ids = (list: Delivery[] = receiver.deliveries) => list.map((d) => d.headers["webhook-id"]);
    return { h, receiver, bank, carrier, pump, call, register, bind, unbind, feed, attempts, ids };
  }

  describe("webhook delivery", () => {
    it("pushes binding.unbound, number.deactivated and binding.expired: the feed item, signed, verifiable", async () => {
      const { h, receiver, carrier, pump, call, register, bind, unbind, feed } = await setup();
      const endpoint = await register("/bank");
      expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      await unbind(await bind(NUMBERS[0]!, "a"));
      await bind(NUMBERS[1]!, "b");
      const deactivated = await call(carrier, "POST", "/v1/numbers/events", {
        events: [{ id: "d1", phone_number: NUMBERS[1], type: "deactivated", occurred_at: iso(h.now()) }],
      });
      expect(deactivated.status).toBe(200);
      await bind(NUMBERS[2]!, "c");
      h.advance(91 * DAY);
      await sweep({ shards: h.shards, clock: h.now, inactivityMs: h.config.inactivityMs });
      expect(await pump.drain()).toBeGreaterThanOrEqual(4);

      const items = await feed();
      expect(new Set(items.map((item) => item.type))).toEqual(
        new Set(["binding.unbound", "number.deactivated", "binding.expired"]),
      );
      expect(receiver.deliveries.map((d) => d.body)).toEqual(items.map((item) => JSON.stringify(item)));
      for (const [index, delivery] of receiver.deliveries.entries()) {
        expect(delivery.path).toBe("/bank");
        expect(delivery.headers["content-type"]).toBe("application/json");
        expect(delivery.headers["webhook-id"]).toBe(String(items[index].id));
        expect(delivery.headers["webhook-timestamp"]).toBe(String(Math.floor(h.now() / 1000)));
        expect(verify(endpoint.secret, delivery, h.now())).toEqual(items[index]);
        expect(delivery.body).not.toMatch(/\+86139\d{8}/);
      }
      expect(() => verify(endpoint.secret, { ...receiver.deliveries[0]!, body: "{}" }, h.now())).toThrow();
      // Delivered is delivered: nothing is sent twice.
      expect(await pump.drain()).toBe(0);
    });

    it("sends an endpoint only its event types, and an app only its own events", async () => {
      const { h, receiver, carrier, pump, call, register, bind, unbind } = await setup();
      await register("/unbound-only", { event_types: ["binding.unbound"] });
      await register("/all");
      const other = await h.client("app", "Shop");
      await register("/shop", {}, other);
      await unbind(await bind(NUMBERS[0]!, "a"));
      await bind(NUMBERS[1]!, "b");
      await call(carrier, "POST", "/v1/numbers/events", {
        events: [{ id: "d1", phone_number: NUMBERS[1], type: "deactivated", occurred_at: iso(h.now()) }],
      });
      await pump.drain();
      const typesAt = (path: string) =>
        receiver.deliveries.filter((d) => d.path === path).map((d) => JSON.parse(d.body).type);
      expect(typesAt("/unbound-only")).toEqual(["binding.unbound"]);
      expect(typesAt("/all")).toEqual(["binding.unbound", "number.deactivated"]);
      expect(typesAt("/shop")).toEqual([]);
    });

    it("keeps feed order per endpoint: a 500 holds the later events back until its retry, 5 s later", async () => {
      const { h, receiver, pump, register, bind, unbind, attempts, ids } = await setup();
      const endpoint = await register("/bank");
      let answered = 0;
      receiver.answer = () => (answered++ === 0 ? 500 : 204);
      for (const [i, number] of NUMBERS.slice(0, 3).entries()) await unbind(await bind(number, `a${i}`));
      expect(await pump.drain()).toBe(1);
      const [first] = await attempts(endpoint.id);
      expect(first).toMatchObject({
        status: "failed",
        response_status: 500,
        error: null,
        next_retry_at: iso(h.now() + RETRY_DELAYS_MS[0]!),
        latency_ms: expect.any(Number),
      });
      h.advance(RETRY_DELAYS_MS[0]! - 1);
      expect(await pump.drain()).toBe(0);
      h.advance(1);
      expect(await pump.drain()).toBe(3);
      const [e1, e2, e3] = ids().slice(1);
      expect(ids()).toEqual([e1, e1, e2, e3]);
      expect(Number(e1) < Number(e2) && Number(e2) < Number(e3)).toBe(true);
      // The retry carries the same id and a new timestamp, and still verifies.
      expect(receiver.deliveries[1]!.headers["webhook-timestamp"]).toBe(String(Math.floor(h.now() / 1000)));
      expect(verify(endpoint.secret, receiver.deliveries[1]!, h.now())).toBeTruthy();
      expect((await attempts(endpoint.id)).map((a) => a.status)).toEqual([
        "succeeded",
        "succeeded",
        "succeeded",
        "failed",
      ]);
    });

    it("retries on the schedule, gives an event up after the last retry, and disables after 5 days of failures", async () => {
      const { h, receiver, pump, bank, call, register, bind, unbind, attempts, feed } = await setup();
      const endpoint = await register("/down");
      const spare = await register("/spare", { event_types: ["endpoint.disabled"] });
      receiver.answer = (d) => (d.path === "/down" ? 503 : 204);
      const started = h.now();
      for (const [i, number] of NUMBERS.slice(0, 3).entries()) await unbind(await bind(number, `a${i}`));
      await pump.drain();
      for (const [retry, delay] of RETRY_DELAYS_MS.entries()) {
        h.advance(delay);
        // After the last retry the event is given up, and the next one is tried at once.
        expect(await pump.drain()).toBe(retry === RETRY_DELAYS_MS.length - 1 ? 2 : 1);
      }
      const log = (await attempts(endpoint.id)).reverse();
      expect(log).toHaveLength(9);
      expect(new Set(log.slice(0, 8).map((a) => a.webhook_id)).size).toBe(1);
      const gaps = log.slice(1, 8).map((a, i) => Date.parse(a.attempted_at) - Date.parse(log[i].attempted_at));
      expect(gaps).toEqual(RETRY_DELAYS_MS);
      expect(log[7]).toMatchObject({ status: "failed", response_status: 503, next_retry_at: null });
      expect(Number(log[8].webhook_id)).toBeGreaterThan(Number(log[0].webhook_id));
      expect(log[8].next_retry_at).toBe(iso(h.now() + RETRY_DELAYS_MS[0]!));

      const current = async () => (await call(bank, "GET", `/v1/webhooks/${endpoint.id}`)).json;
      while ((await current()).enabled) {
        h.advance(10 * 3_600_000);
        await pump.drain();
        expect(h.now() - started).toBeLessThan(DISABLE_AFTER_FAILING_MS + 21 * 3_600_000);
      }
      expect(h.now() - started).toBeGreaterThanOrEqual(DISABLE_AFTER_FAILING_MS);
      expect(await current()).toMatchObject({ enabled: false, disabled_reason: "FAILING" });
      const notice = (await feed()).at(-1);
      expect(notice).toMatchObject({
        type: "endpoint.disabled",
        data: { endpoint_id: endpoint.id, url: `${receiver.base}/down`, reason: "FAILING" },
      });
      // The app's other endpoint hears of it; the disabled one gets nothing more.
      await pump.drain();
      const heard = receiver.deliveries.filter((d) => d.path === "/spare");
      expect(heard.map((d) => JSON.parse(d.body))).toEqual([notice]);
      expect(verify(spare.secret, heard[0]!, h.now())).toEqual(notice);
      const sentToDown = receiver.deliveries.filter((d) => d.path === "/down").length;
      await unbind(await bind(NUMBERS[3]!, "later"));
      h.advance(DAY);
      await pump.drain();
      expect(receiver.deliveries.filter((d) => d.path === "/down")).toHaveLength(sentToDown);
    });

    it("410 Gone disables the endpoint at once, drops what it had queued, and says so in the feed", async () => {
      const { h, receiver, pump, bank, call, register, bind, unbind, feed, attempts } = await setup();
      const endpoint = await register("/gone");
      receiver.answer = () => 410;
      for (const [i, number] of NUMBERS.slice(0, 2).entries()) await unbind(await bind(number, `a${i}`));
      expect(await pump.drain()).toBe(1);
      expect((await call(bank, "GET", `/v1/webhooks/${endpoint.id}`)).json).toMatchObject({
        enabled: false,
        disabled_reason: "GONE",
      });
      expect(await attempts(endpoint.id)).toEqual([
        expect.objectContaining({ status: "failed", response_status: 410, next_retry_at: null }),
      ]);
      const items = await feed();
      expect(items.map((item) => item.type)).toEqual(["binding.unbound", "binding.unbound", "endpoint.disabled"]);
      expect(items[2].data).toEqual({ endpoint_id: endpoint.id, url: `${receiver.base}/gone`, reason: "GONE" });
      h.advance(DAY);
      expect(await pump.drain()).toBe(0);
      // Re-enabled, it receives what comes next; a replay backfills what it missed.
      receiver.answer = () => 204;
      const enabled = await call(bank, "PATCH", `/v1/webhooks/${endpoint.id}`, { enabled: true });
      expect(enabled.json).toMatchObject({ enabled: true, disabled_reason: null });
      await unbind(await bind(NUMBERS[2]!, "c"));
      await pump.drain();
      expect(JSON.parse(receiver.deliveries.at(-1)!.body).data.account_ref).toBe("c");
    });

    it("rotation: for 24 h both secrets sign, each signature verifies with its secret; then only the new one", async () => {
      const { h, receiver, pump, bank, call, register, bind, unbind } = await setup();
      const endpoint = await register("/bank");
      const rotated = await call(bank, "POST", `/v1/webhooks/${endpoint.id}/rotate-secret`, {});
      expect(rotated.status).toBe(200);
      expect(rotated.json.secret).toMatch(/^whsec_/);
      expect(rotated.json.secret).not.toBe(endpoint.secret);
      expect(rotated.json.previous_secret_expires_at).toBe(iso(h.now() + DAY));
      await unbind(await bind(NUMBERS[0]!, "a"));
      await pump.drain();
      const during = receiver.deliveries[0]!;
      expect(during.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
      expect(verify(endpoint.secret, during, h.now())).toBeTruthy();
      expect(verify(rotated.json.secret, during, h.now())).toBeTruthy();
      h.advance(DAY);
      await unbind(await bind(NUMBERS[1]!, "b"));
      await pump.drain();
      const after = receiver.deliveries[1]!;
      expect(after.headers["webhook-signature"]!.split(" ")).toHaveLength(1);
      expect(verify(rotated.json.secret, after, h.now())).toBeTruthy();
      expect(() => verify(endpoint.secret, after, h.now())).toThrow(/signature/i);
      expect((await call(bank, "GET", `/v1/webhooks/${endpoint.id}`)).json.previous_secret_expires_at).toBeNull();
    });

    it("replay sends the feed again after an id, in order, with the original webhook-ids", async () => {
      const { h, receiver, pump, bank, call, register, bind, unbind, feed, ids } = await setup();
      for (const [i, number] of NUMBERS.slice(0, 3).entries()) await unbind(await bind(number, `a${i}`));
      // Registered after the events: it is sent nothing of the past by itself.
      const endpoint = await register("/late");
      expect(await pump.drain()).toBe(0);
      const items = await feed();
      const replayed = await call(bank, "POST", `/v1/webhooks/${endpoint.id}/replay`, { after: items[0].id });
      expect(replayed.status).toBe(202);
      expect(replayed.json).toEqual({ queued: 2, next_after: null });
      // Asked twice, an event is still sent once.
      await call(bank, "POST", `/v1/webhooks/${endpoint.id}/replay`, { after: 0 });
      expect(await pump.drain()).toBe(3);
      expect(ids()).toEqual(items.map((item) => String(item.id)));
      for (const delivery of receiver.deliveries) expect(verify(endpoint.secret, delivery, h.now())).toBeTruthy();
      await call(bank, "PATCH", `/v1/webhooks/${endpoint.id}`, { enabled: false });
      const refused = await call(bank, "POST", `/v1/webhooks/${endpoint.id}/replay`, { after: 0 });
      expect(refused.status).toBe(409);
    });

    it("POST /test sends a signed webhook.test at once and logs it; it is not in the feed", async () => {
      const { h, receiver, bank, call, register, feed, attempts } = await setup();
      const endpoint = await register("/bank");
      const tested = await call(bank, "POST", `/v1/webhooks/${endpoint.id}/test`, {});
      expect(tested.status).toBe(200);
      expect(tested.json).toMatchObject({
        status: "succeeded",
        response_status: 204,
        event_id: null,
        event_type: "webhook.test",
        webhook_id: expect.stringMatching(/^test_/),
        next_retry_at: null,
      });
      const [delivery] = receiver.deliveries;
      expect(verify(endpoint.secret, delivery!, h.now())).toEqual({
        id: 0,
        type: "webhook.test",
        occurred_at: iso(h.now()),
        data: { endpoint_id: endpoint.id, url: `${receiver.base}/bank` },
      });
      expect(delivery!.headers["webhook-id"]).toBe(tested.json.webhook_id);
      expect(await attempts(endpoint.id)).toEqual([tested.json]);
      expect(await feed()).toEqual([]);
      receiver.answer = () => 500;
      const failed = await call(bank, "POST", `/v1/webhooks/${endpoint.id}/test`, {});
      expect(failed.json).toMatchObject({ status: "failed", response_status: 500, next_retry_at: null });
      expect((await call(bank, "GET", `/v1/webhooks/${endpoint.id}`)).json.enabled).toBe(true);
    });

    it("bounds the deliveries in flight, one per endpoint", async () => {
      const { h, receiver, register, bind, unbind } = await setup();
      for (const path of ["/a", "/b", "/c", "/d", "/e"]) await register(path);
      for (const [i, number] of NUMBERS.slice(0, 3).entries()) await unbind(await bind(number, `a${i}`));
      let inFlight = 0;
      let most = 0;
      const perEndpoint = new Map<string, number>();
      receiver.answer = async (d) => {
        inFlight++;
        perEndpoint.set(d.path, (perEndpoint.get(d.path) ?? 0) + 1);
        most = Math.max(most, inFlight);
        expect(perEndpoint.get(d.path)).toBe(1);
        await new Promise((resolve) => setTimeout(resolve, 5));
        perEndpoint.set(d.path, perEndpoint.get(d.path)! - 1);
        inFlight--;
        return 204;
      };
      const pump = new DeliveryPump({
        db: h.db,
        clock: h.now,
        transport: receiver.transport,
        guarded: false,
        maxInFlight: 2,
      });
      expect(await pump.drain()).toBe(15);
      expect(most).toBe(2);
      for (const path of ["/a", "/e"]) {
        const sent = receiver.deliveries.filter((d) => d.path === path).map((d) => Number(d.headers["webhook-id"]));
        expect(sent).toEqual([...sent].sort((a, b) => a - b));
      }
    });
  });
}
