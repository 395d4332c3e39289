import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { bindings, outbox } from "../../src/db/shard-schema.js";
import { hashPhone } from "../../src/phone.js";
import { createHarness, DAY, type Harness, type TestClient } from "../support/harness.js";

// What only sharding can break. On Node these run over its one shard; on workerd over four.

async function put(h: Harness, app: TestClient, body: unknown) {
  return h.request("PUT", "/v1/bindings", { token: await app.bearer(), json: body });
}

/** Distinct valid China Mobile numbers: +86139 and eight digits. */
const numbers = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => `+86139${String(100_000_000 + from + i).slice(1)}`);

describe("across shards", () => {
  it("a 1000-number check spans every shard and answers each number in request order", async () => {
    const h = await createHarness();
    const carrier = await h.client("carrier", "cmcc", { prefixes: ["+86139"] });
    const bank = await h.client("app", "Bank");
    const all = numbers(1000);
    const bound = all.filter((_, i) => i % 7 === 0);
    for (const [i, phone_number] of bound.entries()) await put(h, bank, { phone_number, account_ref: `a${i}` });
    const touched = new Set(all.map((n) => h.shards.ofHash(hashPhone(h.config.pepper, n))));
    expect(touched.size).toBe(h.shards.count);

    const response = await h.request("POST", "/v1/numbers/bindings", {
      token: await carrier.bearer(),
      json: { phone_numbers: all },
    });
    expect(response.status).toBe(200);
    expect(response.json.results.map((r: { phone_number: string }) => r.phone_number)).toEqual(all);
    const held = response.json.results.filter((r: { outstanding: number }) => r.outstanding === 1);
    expect(held.map((r: { phone_number: string }) => r.phone_number)).toEqual(bound);
    expect(held[0].apps).toEqual([expect.objectContaining({ app_id: bank.id, app_name: "Bank" })]);
  });

  it("a list cursor walks every shard in order, each binding once", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    const ids = [];
    for (const [i, phone_number] of numbers(24).entries()) {
      ids.push((await put(h, app, { phone_number, account_ref: `a${i}` })).json.id as string);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/v1/bindings?limit=5${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await h.request("GET", path, { token: await app.bearer() });
      expect(page.status).toBe(200);
      seen.push(...page.json.items.map((b: { id: string }) => b.id));
      cursor = page.json.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].sort());
    // Ids sort shard by shard: the walk crossed every boundary in order.
    const shardsInOrder = seen.map((id) => h.shards.ofId(id)!);
    expect(shardsInOrder).toEqual([...shardsInOrder].sort((a, b) => a - b));
    expect(new Set(shardsInOrder).size).toBe(h.shards.count);
  });

  it("a carrier batch retried after a partial failure converges: what was applied is a duplicate", async () => {
    const h = await createHarness();
    const carrier = await h.client("carrier", "cmcc", { prefixes: ["+86139"] });
    const app = await h.client("app");
    const batch = numbers(40).map((phone_number, i) => ({
      id: `ev-${i}`,
      phone_number,
      type: "reassigned",
      occurred_at: new Date(h.now() + DAY).toISOString(),
    }));
    for (const [i, { phone_number }] of batch.entries()) await put(h, app, { phone_number, account_ref: `a${i}` });
    h.advance(2 * DAY);
    // One shard cannot write its outbox: its part of the batch fails, the other shards' parts apply.
    const firstHash = hashPhone(h.config.pepper, batch[0]!.phone_number);
    const broken = h.shards.ofHash(firstHash);
    await h.inShardOf({ phoneHash: firstHash }, (orm) => orm.run(sql`alter table ${outbox} rename to away`));
    const send = async () =>
      h.request("POST", "/v1/numbers/events", { token: await carrier.bearer(), json: { events: batch } });
    expect((await send()).status).toBe(500);
    await h.inShardOf({ phoneHash: firstHash }, (orm) => orm.run(sql`alter table away rename to ${outbox}`));
    const retried = await send();
    expect(retried.status).toBe(200);
    const inBroken = (n: string) => h.shards.ofHash(hashPhone(h.config.pepper, n)) === broken;
    const expected = batch.map((e) => ({ id: e.id, status: inBroken(e.phone_number) ? "recorded" : "duplicate" }));
    expect(retried.json.results).toEqual(expected);
    // Every binding ended exactly once, with exactly one event each.
    const feed = await h.request("GET", "/v1/events?limit=100", { token: await app.bearer() });
    expect(feed.json.items).toHaveLength(batch.length);
    expect(new Set(feed.json.items.map((e: { data: { binding_id: string } }) => e.data.binding_id)).size).toBe(
      batch.length,
    );
    if (h.shards.count > 1) expect(expected.some((e) => e.status === "duplicate")).toBe(true);
  });

  it("an event delivered twice from an outbox appears once in the feed", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    const first = await put(h, app, { phone_number: numbers(1)[0], account_ref: "a" });
    await h.request("DELETE", `/v1/bindings/${first.json.id}`, { token: await app.bearer() });
    const feed = async () => (await h.request("GET", "/v1/events", { token: await app.bearer() })).json.items;
    const [delivered] = await feed();
    expect(delivered).toMatchObject({ type: "binding.unbound", data: { binding_id: first.json.id } });
    // The shard crashed after the feed took the event and before it forgot it: the event is
    // still in its outbox, under the same key, and goes out again with the next delivery.
    const [stored] = await h.db.orm.all<{ event_key: string }>(
      sql`select event_key from events where app_id = ${app.id}`,
    );
    await h.inShardOf({ id: first.json.id }, (orm) =>
      orm
        .insert(outbox)
        .values({
          eventKey: stored!.event_key,
          appId: app.id,
          type: "binding.unbound",
          occurredAt: h.now(),
          data: { again: 1 },
        })
        .run(),
    );
    // Any later change on that shard delivers its outbox.
    const second = await put(h, app, { phone_number: numbers(1)[0], account_ref: "b" });
    await h.request("DELETE", `/v1/bindings/${second.json.id}`, { token: await app.bearer() });
    const items = await feed();
    expect(items.map((e: { data: { binding_id: string } }) => e.data.binding_id)).toEqual([
      first.json.id,
      second.json.id,
    ]);
    expect(await h.inShardOf({ id: first.json.id }, (orm) => orm.select().from(outbox).all())).toEqual([]);
  });

  it("a shard's alarm sweeps it and delivers binding.expired to the feed", async () => {
    const h = await createHarness();
    if (!h.stores.runAlarm) return; // Node sweeps on its own thread: test/node/server.test.ts
    const app = await h.client("app");
    // Bound at the harness's fixed start: long past the window by the wall clock the alarm reads.
    const { json } = await put(h, app, { phone_number: numbers(1)[0], account_ref: "old" });
    const index = h.shards.ofId(json.id)!;
    expect(await h.stores.runAlarm(index)).toBe(true);
    const row = await h.inShardOf({ id: json.id }, (orm) =>
      orm.select().from(bindings).where(eq(bindings.id, json.id)).get(),
    );
    expect(row).toMatchObject({ status: "expired", endReason: "INACTIVITY" });
    const feed = await h.request("GET", "/v1/events", { token: await app.bearer() });
    expect(feed.json.items).toEqual([
      expect.objectContaining({ type: "binding.expired", data: expect.objectContaining({ binding_id: json.id }) }),
    ]);
  });
});
