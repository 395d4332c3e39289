import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sweep } from "../../src/bindings/sweep.js";
import { bindings, numbers } from "../../src/db/shard-schema.js";
import { hashPhone } from "../../src/phone.js";
import { createHarness, DAY, type Harness, MINUTE, type TestClient } from "../support/harness.js";

const NUMBER = "+8613912345678";

async function appWithToken(h: Harness, name?: string) {
  return h.client("app", name);
}

async function put(h: Harness, app: TestClient, body: unknown) {
  return h.request("PUT", "/v1/bindings", { token: await app.bearer(), json: body });
}

async function storedRow(h: Harness, id: string) {
  return h.inShardOf({ id }, (orm) => orm.select().from(bindings).where(eq(bindings.id, id)).get());
}

async function recordReassignment(h: Harness, e164: string, at: number) {
  const phoneHash = hashPhone(h.config.pepper, e164);
  await h.inShardOf({ phoneHash }, (orm) =>
    orm
      .insert(numbers)
      .values({ phoneHash, state: "active", stateChangedAt: at, lastReassignedAt: at, updatedAt: at })
      .onConflictDoUpdate({ target: numbers.phoneHash, set: { lastReassignedAt: at } })
      .run(),
  );
}

describe("PUT /v1/bindings", () => {
  it("creates (201), then refreshes (200) the same binding; national and E.164 forms are one number", async () => {
    const h = await createHarness();
    const app = await appWithToken(h);
    const created = await put(h, app, { phone_number: NUMBER, account_ref: "user-1" });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      phone_number_hint: "+86139****5678",
      account_ref: "user-1",
      status: "active",
      bound_at: "2026-01-15T00:00:00.000Z",
      verified_at: "2026-01-15T00:00:00.000Z",
      last_seen_at: "2026-01-15T00:00:00.000Z",
      expires_at: "2026-04-15T00:00:00.000Z",
      ended_at: null,
      end_reason: null,
    });
    h.advance(2 * DAY);
    const refreshed = await put(h, app, { phone_number: "139 1234-5678", account_ref: "user-1" });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.id).toBe(created.json.id);
    expect(refreshed.json.last_seen_at).toBe("2026-01-17T00:00:00.000Z");
    const other = await put(h, app, { phone_number: NUMBER, account_ref: "user-2" });
    expect(other.status).toBe(201);
    expect(other.json.id).not.toBe(created.json.id);
  });

  it("writes a login at most once per granule (a day for a 90-day window)", async () => {
    const h = await createHarness();
    const app = await appWithToken(h);
    const { json } = await put(h, app, { phone_number: NUMBER, account_ref: "u" });
    h.advance(23 * 60 * MINUTE);
    expect((await put(h, app, { phone_number: NUMBER, account_ref: "u" })).status).toBe(200);
    expect((await storedRow(h, json.id))!.lastSeenAt).toBe(Date.UTC(2026, 0, 15));
    h.advance(2 * 60 * MINUTE);
    await put(h, app, { phone_number: NUMBER, account_ref: "u" });
    expect((await storedRow(h, json.id))!.lastSeenAt).toBe(Date.UTC(2026, 0, 16, 1));
  });

  describe("refuses invalid bodies with 400 INVALID_ARGUMENT and a pointer", () => {
    const cases: [string, unknown, string][] = [
      ["too short a number", { phone_number: "+86139", account_ref: "a" }, "/phone_number"],
      ["too long a number", { phone_number: "+861391234567890123", account_ref: "a" }, "/phone_number"],
      ["letters", { phone_number: "+86139abcd5678", account_ref: "a" }, "/phone_number"],
      ["a number in no allocated range", { phone_number: "+8619412345678", account_ref: "a" }, "/phone_number"],
      ["missing account_ref", { phone_number: NUMBER }, "/account_ref"],
      ["empty account_ref", { phone_number: NUMBER, account_ref: "" }, "/account_ref"],
      ["129-char account_ref", { phone_number: NUMBER, account_ref: "x".repeat(129) }, "/account_ref"],
      ["an unknown member", { phone_number: NUMBER, account_ref: "a", extra: 1 }, "/extra"],
      [
        "verified_at not RFC 3339",
        { phone_number: NUMBER, account_ref: "a", verified_at: "15/01/2026" },
        "/verified_at",
      ],
      [
        "verified_at in the future",
        { phone_number: NUMBER, account_ref: "a", verified_at: "2026-01-15T00:06:00Z" },
        "/verified_at",
      ],
      ["an array body", [{ phone_number: NUMBER, account_ref: "a" }], ""],
    ];
    for (const [name, body, pointer] of cases) {
      it(name, async () => {
        const h = await createHarness();
        const app = await appWithToken(h);
        const response = await put(h, app, body);
        expect(response.status).toBe(400);
        expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
        expect(response.json.code).toBe("INVALID_ARGUMENT");
        expect(response.json.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
        expect((await h.inEveryShard((orm) => orm.select().from(bindings).all())).flat()).toHaveLength(0);
      });
    }
  });

  it("accepts a verified_at within 5 minutes of clock skew", async () => {
    const h = await createHarness();
    const app = await appWithToken(h);
    const response = await put(h, app, {
      phone_number: NUMBER,
      account_ref: "a",
      verified_at: "2026-01-15T00:04:00+00:00",
    });
    expect(response.status).toBe(201);
    expect(response.json.verified_at).toBe("2026-01-15T00:04:00.000Z");
  });

  it("answers 409 NUMBER_RECYCLED after a reassignment, changes nothing, and revives on a fresh verification", async () => {
    const h = await createHarness();
    const app = await appWithToken(h);
    const { json } = await put(h, app, { phone_number: NUMBER, account_ref: "old-owner" });
    h.advance(10 * DAY);
    await recordReassignment(h, NUMBER, h.now() - DAY);
    const before = await storedRow(h, json.id);
    const stale = await put(h, app, { phone_number: NUMBER, account_ref: "old-owner" });
    expect(stale.status).toBe(409);
    expect(stale.json.code).toBe("NUMBER_RECYCLED");
    expect(await storedRow(h, json.id)).toEqual(before);
    // A new account that never verified before the reassignment binds without trouble.
    expect((await put(h, app, { phone_number: NUMBER, account_ref: "new-owner" })).status).toBe(201);
    // An old verification sent explicitly is refused too.
    const oldProof = await put(h, app, {
      phone_number: NUMBER,
      account_ref: "late",
      verified_at: "2026-01-16T00:00:00Z",
    });
    expect(oldProof.json.code).toBe("NUMBER_RECYCLED");
    const fresh = await put(h, app, {
      phone_number: NUMBER,
      account_ref: "old-owner",
      verified_at: new Date(h.now()).toISOString(),
    });
    expect(fresh.status).toBe(200);
    expect(fresh.json.verified_at).toBe(new Date(h.now()).toISOString());
  });

  it("answers 409 UNBOUND_BY_HOLDER until a verification later than the holder's unbind", async () => {
    const h = await createHarness();
    const app = await appWithToken(h);
    const { json } = await put(h, app, { phone_number: NUMBER, account_ref: "a" });
    const endedAt = h.now() + DAY;
    await h.inShardOf({ id: json.id }, (orm) =>
      orm
        .update(bindings)
        .set({ status: "unbound", endedAt, endReason: "USER_REQUEST" })
        .where(eq(bindings.id, json.id))
        .run(),
    );
    h.advance(2 * DAY);
    expect((await put(h, app, { phone_number: NUMBER, account_ref: "a" })).json.code).toBe("UNBOUND_BY_HOLDER");
    const early = await put(h, app, {
      phone_number: NUMBER,
      account_ref: "a",
      verified_at: new Date(endedAt - MINUTE).toISOString(),
    });
    expect(early.json.code).toBe("UNBOUND_BY_HOLDER");
    const later = await put(h, app, {
      phone_number: NUMBER,
      account_ref: "a",
      verified_at: new Date(endedAt + MINUTE).toISOString(),
    });
    expect(later.status).toBe(200);
    expect(later.json).toMatchObject({ status: "active", end_reason: null, ended_at: null });
  });
});

describe("reading, listing and deleting", () => {
  it("keeps tenants apart: another app's binding is 404 to read and to delete", async () => {
    const h = await createHarness();
    const bank = await appWithToken(h, "bank");
    const shop = await appWithToken(h, "shop");
    const { json } = await put(h, bank, { phone_number: NUMBER, account_ref: "a" });
    expect((await h.request("GET", `/v1/bindings/${json.id}`, { token: await shop.bearer() })).status).toBe(404);
    expect((await h.request("DELETE", `/v1/bindings/${json.id}`, { token: await shop.bearer() })).status).toBe(404);
    expect((await h.request("GET", "/v1/bindings", { token: await shop.bearer() })).json.items).toEqual([]);
    expect((await storedRow(h, json.id))!.status).toBe("active");
    expect((await h.request("GET", `/v1/bindings/${json.id}`, { token: await bank.bearer() })).json.id).toBe(json.id);
  });

  it("paginates in a stable order without repeating or missing rows while rows are added", async () => {
    const h = await createHarness();
    const app = await appWithToken(h);
    for (let i = 0; i < 5; i++) await put(h, app, { phone_number: NUMBER, account_ref: `first-${i}` });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const response = await h.request("GET", `/v1/bindings${query}`, { token: await app.bearer() });
      expect(response.status).toBe(200);
      seen.push(...response.json.items.map((item: { account_ref: string }) => item.account_ref));
      cursor = response.json.next_cursor;
      if (pages++ === 0)
        for (let i = 0; i < 3; i++) await put(h, app, { phone_number: NUMBER, account_ref: `later-${i}` });
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(["first-0", "first-1", "first-2", "first-3", "first-4"]));
    expect((await h.request("GET", "/v1/bindings?limit=101", { token: await app.bearer() })).status).toBe(400);
    expect((await h.request("GET", "/v1/bindings?cursor=bogus", { token: await app.bearer() })).json.code).toBe(
      "INVALID_ARGUMENT",
    );
  });

  it("filters by account_ref and status", async () => {
    const h = await createHarness();
    const app = await appWithToken(h);
    const a = await put(h, app, { phone_number: NUMBER, account_ref: "a" });
    await put(h, app, { phone_number: "+8613812345678", account_ref: "b" });
    await h.request("DELETE", `/v1/bindings/${a.json.id}`, { token: await app.bearer() });
    const byRef = await h.request("GET", "/v1/bindings?account_ref=b", { token: await app.bearer() });
    expect(byRef.json.items.map((b: { account_ref: string }) => b.account_ref)).toEqual(["b"]);
    const unbound = await h.request("GET", "/v1/bindings?status=unbound", { token: await app.bearer() });
    expect(unbound.json.items.map((b: { id: string }) => b.id)).toEqual([a.json.id]);
  });

  it("DELETE ends the binding with APP_UNBOUND and one event; deleting again is 204 and changes nothing", async () => {
    const h = await createHarness();
    const app = await appWithToken(h);
    const { json } = await put(h, app, { phone_number: NUMBER, account_ref: "a" });
    h.advance(DAY);
    expect((await h.request("DELETE", `/v1/bindings/${json.id}`, { token: await app.bearer() })).status).toBe(204);
    const after = await h.request("GET", `/v1/bindings/${json.id}`, { token: await app.bearer() });
    expect(after.json).toMatchObject({
      status: "unbound",
      end_reason: "APP_UNBOUND",
      ended_at: "2026-01-16T00:00:00.000Z",
      expires_at: null,
    });
    h.advance(DAY);
    expect((await h.request("DELETE", `/v1/bindings/${json.id}`, { token: await app.bearer() })).status).toBe(204);
    expect((await storedRow(h, json.id))!.endedAt).toBe(Date.UTC(2026, 0, 16));
    const events = await h.request("GET", "/v1/events", { token: await app.bearer() });
    expect(events.json.items).toEqual([
      {
        id: expect.any(Number),
        type: "binding.unbound",
        occurred_at: "2026-01-16T00:00:00.000Z",
        data: { binding_id: json.id, account_ref: "a", phone_number_hint: "+86139****5678", reason: "APP_UNBOUND" },
      },
    ]);
    // The next PUT revives it.
    const revived = await put(h, app, { phone_number: NUMBER, account_ref: "a" });
    expect(revived.status).toBe(200);
    expect(revived.json).toMatchObject({ id: json.id, status: "active", bound_at: "2026-01-17T00:00:00.000Z" });
  });
});

describe("inactivity", () => {
  it("is active at 89 days idle and expired at 91, on read, before any sweep", async () => {
    const h = await createHarness();
    const app = await appWithToken(h);
    const { json } = await put(h, app, { phone_number: NUMBER, account_ref: "a" });
    h.advance(89 * DAY);
    let token = await app.token();
    expect((await h.request("GET", `/v1/bindings/${json.id}`, { token })).json.status).toBe("active");
    h.advance(2 * DAY);
    token = await app.token();
    const read = await h.request("GET", `/v1/bindings/${json.id}`, { token });
    expect(read.json).toMatchObject({
      status: "expired",
      end_reason: "INACTIVITY",
      ended_at: "2026-04-15T00:00:00.000Z",
    });
    expect((await h.request("GET", "/v1/bindings?status=active", { token })).json.items).toEqual([]);
    expect((await h.request("GET", "/v1/bindings?status=expired", { token })).json.items).toHaveLength(1);
    expect((await storedRow(h, json.id))!.status).toBe("active");
  });

  it("a login inside the window keeps the binding alive", async () => {
    const h = await createHarness();
    const app = await appWithToken(h);
    const { json } = await put(h, app, { phone_number: NUMBER, account_ref: "a" });
    h.advance(80 * DAY);
    await put(h, app, { phone_number: NUMBER, account_ref: "a" });
    h.advance(80 * DAY);
    const read = await h.request("GET", `/v1/bindings/${json.id}`, { token: await app.token() });
    expect(read.json).toMatchObject({ status: "active", expires_at: "2026-07-04T00:00:00.000Z" });
  });

  it("the sweeper records each expiry once, with one binding.expired event, even when run twice", async () => {
    const h = await createHarness();
    const app = await appWithToken(h);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await put(h, app, { phone_number: NUMBER, account_ref: `a${i}` })).json.id);
    h.advance(45 * DAY);
    const fresh = await put(h, app, { phone_number: "+8613812345678", account_ref: "recent" });
    h.advance(46 * DAY);
    const deps = { shards: h.shards, clock: h.now, inactivityMs: h.config.inactivityMs };
    const [first, second] = await Promise.all([sweep(deps), sweep(deps)]);
    expect(first + second).toBe(7);
    expect(await sweep(deps)).toBe(0);
    const row = await storedRow(h, ids[0]!);
    expect(row).toMatchObject({
      status: "expired",
      endReason: "INACTIVITY",
      endedAt: Date.UTC(2026, 0, 15) + 90 * DAY,
    });
    expect((await storedRow(h, fresh.json.id))!.status).toBe("active");
    const token = await app.token();
    const events = (await h.request("GET", "/v1/events?limit=100", { token })).json.items;
    expect(
      events
        .filter((e: { type: string }) => e.type === "binding.expired")
        .map((e: { data: { binding_id: string } }) => e.data.binding_id)
        .sort(),
    ).toEqual([...ids].sort());
    expect(events[0]).toMatchObject({
      occurred_at: "2026-04-15T00:00:00.000Z",
      data: { reason: "INACTIVITY", phone_number_hint: "+86139****5678" },
    });
    // And the next login revives the binding.
    const revived = await put(h, app, { phone_number: NUMBER, account_ref: "a0" });
    expect(revived.json).toMatchObject({ id: ids[0], status: "active", ended_at: null });
  });
});

describe("GET /v1/events", () => {
  it("resumes after the last id seen, and shows only the caller's events", async () => {
    const h = await createHarness();
    const app = await appWithToken(h);
    const other = await appWithToken(h);
    const x = await put(h, other, { phone_number: NUMBER, account_ref: "x" });
    await h.request("DELETE", `/v1/bindings/${x.json.id}`, { token: await other.bearer() });
    for (let i = 0; i < 3; i++) {
      const { json } = await put(h, app, { phone_number: NUMBER, account_ref: `a${i}` });
      await h.request("DELETE", `/v1/bindings/${json.id}`, { token: await app.bearer() });
    }
    const first = await h.request("GET", "/v1/events?limit=2", { token: await app.bearer() });
    expect(first.json.items.map((e: { data: { account_ref: string } }) => e.data.account_ref)).toEqual(["a0", "a1"]);
    const rest = await h.request("GET", `/v1/events?after=${first.json.next_cursor}`, { token: await app.bearer() });
    expect(rest.json.items.map((e: { data: { account_ref: string } }) => e.data.account_ref)).toEqual(["a2"]);
    expect(rest.json.next_cursor).toBeNull();
    // The documented way, next_cursor passed back as ?cursor=, reads the same page.
    const viaCursor = await h.request("GET", `/v1/events?cursor=${first.json.next_cursor}`, {
      token: await app.bearer(),
    });
    expect(viaCursor.json.items).toEqual(rest.json.items);
    const conflicting = await h.request("GET", `/v1/events?cursor=${first.json.next_cursor}&after=0`, {
      token: await app.bearer(),
    });
    expect(conflicting.status).toBe(400);
    const foreign = await h.request("GET", "/v1/events?cursor=not-ours", { token: await app.bearer() });
    expect(foreign.status).toBe(400);
  });
});
