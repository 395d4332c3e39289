import { createLocalJWKSet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { createHarness, DAY, type Harness, ISSUER, MINUTE, type TestClient } from "../support/harness.js";

const NUMBER = "+8613912345678";

async function put(h: Harness, app: TestClient, body: unknown) {
  return h.request("PUT", "/v1/bindings", { token: await app.bearer(), json: body });
}
async function check(h: Harness, carrier: TestClient, phone_numbers: unknown[]) {
  return h.request("POST", "/v1/numbers/bindings", { token: await carrier.bearer(), json: { phone_numbers } });
}
async function report(h: Harness, carrier: TestClient, events: unknown[]) {
  return h.request("POST", "/v1/numbers/events", { token: await carrier.bearer(), json: { events } });
}
const iso = (ms: number) => new Date(ms).toISOString();

describe("POST /v1/numbers/bindings", () => {
  it("lists active bindings per number, in request order, without account refs, with a verifiable attestation", async () => {
    const h = await createHarness();
    const carrier = await h.client("carrier", "cmcc", { prefixes: ["+86139", "+86138"] });
    const bank = await h.client("app", "Bank");
    const shop = await h.client("app", "Shop");
    await put(h, bank, { phone_number: NUMBER, account_ref: "secret-bank-account" });
    await put(h, bank, { phone_number: NUMBER, account_ref: "second-account" });
    await put(h, shop, { phone_number: NUMBER, account_ref: "secret-shop-account" });
    const ended = await put(h, shop, { phone_number: "+8613812345678", account_ref: "gone" });
    await h.request("DELETE", `/v1/bindings/${ended.json.id}`, { token: await shop.bearer() });
    h.advance(DAY);
    const response = await check(h, carrier, ["138 1234 5678", NUMBER, "+8613900000000"]);
    expect(response.status).toBe(200);
    expect(response.text).not.toMatch(/secret|second-account/);
    const { results, attestation, checked_at } = response.json;
    expect(checked_at).toBe("2026-01-16T00:00:00.000Z");
    expect(results.map((r: { phone_number: string }) => r.phone_number)).toEqual([
      "+8613812345678",
      NUMBER,
      "+8613900000000",
    ]);
    expect(results[0]).toEqual({ phone_number: "+8613812345678", outstanding: 0, apps: [] });
    expect(results[1].outstanding).toBe(3);
    expect(results[1].apps).toEqual(
      expect.arrayContaining([
        {
          app_id: bank.id,
          app_name: "Bank",
          bound_at: "2026-01-15T00:00:00.000Z",
          last_seen_at: "2026-01-15T00:00:00.000Z",
          expires_at: "2026-04-15T00:00:00.000Z",
        },
        expect.objectContaining({ app_id: shop.id, app_name: "Shop" }),
      ]),
    );
    const { payload, protectedHeader } = await jwtVerify(attestation, createLocalJWKSet(await h.jwks()), {
      issuer: ISSUER,
      typ: "binding-check+jwt",
      currentDate: new Date(h.now()),
    });
    expect(protectedHeader.alg).toBe("EdDSA");
    expect(payload).toMatchObject({ sub: carrier.id, iat: h.now() / 1000, jti: expect.any(String) });
    expect(payload.results).toEqual(
      results.map((r: { phone_number: string; outstanding: number; apps: { app_id: string }[] }) => ({
        phone_number: r.phone_number,
        outstanding: r.outstanding,
        app_ids: r.apps.map((a) => a.app_id),
      })),
    );
  });

  it("does not count bindings expired by inactivity but not yet swept", async () => {
    const h = await createHarness();
    const carrier = await h.client("carrier", "c", { prefixes: ["+86139"] });
    const app = await h.client("app");
    await put(h, app, { phone_number: NUMBER, account_ref: "a" });
    h.advance(91 * DAY);
    expect((await check(h, carrier, [NUMBER])).json.results[0].outstanding).toBe(0);
  });

  it("answers 1000 numbers, refuses 1001 and none, and a number out of range refuses the whole request", async () => {
    const h = await createHarness();
    const carrier = await h.client("carrier", "c", { prefixes: ["+86139"] });
    await h.client("carrier", "other", { prefixes: ["+86138"] });
    const thousand = Array.from({ length: 1000 }, (_, i) => `+86139${String(i).padStart(8, "0")}`);
    const ok = await check(h, carrier, thousand);
    expect(ok.status).toBe(200);
    expect(ok.json.results).toHaveLength(1000);
    expect((await check(h, carrier, [...thousand, "+8613900001000"])).status).toBe(400);
    expect((await check(h, carrier, [])).status).toBe(400);
    const outside = await check(h, carrier, [NUMBER, "+8613812345678"]);
    expect(outside.status).toBe(403);
    expect(outside.json).toMatchObject({ code: "NUMBER_NOT_IN_RANGE", errors: [{ pointer: "/phone_numbers/1" }] });
    const invalid = await check(h, carrier, [NUMBER, "+86194123"]);
    expect(invalid.json.errors).toEqual([expect.objectContaining({ pointer: "/phone_numbers/1" })]);
  });

  it("counts bindings exactly across the statement chunks, the padded last one included", async () => {
    const h = await createHarness();
    const carrier = await h.client("carrier", "c", { prefixes: ["+86139"] });
    const app = await h.client("app");
    const many = Array.from({ length: 250 }, (_, i) => `+86139${String(i).padStart(8, "0")}`);
    const bound = [0, 97, 98, 196, 249];
    for (const index of bound) await put(h, app, { phone_number: many[index], account_ref: `a${index}` });
    await put(h, app, { phone_number: many[0], account_ref: "second" });
    const results = (await check(h, carrier, many)).json.results as { outstanding: number }[];
    expect(results.flatMap((result, index) => (result.outstanding > 0 ? [[index, result.outstanding]] : []))).toEqual([
      [0, 2],
      [97, 1],
      [98, 1],
      [196, 1],
      [249, 1],
    ]);
    // Smaller batches go through statements of 1, 8 and 32 placeholders.
    const counts = async (numbers: string[]) =>
      ((await check(h, carrier, numbers)).json.results as { outstanding: number }[]).flatMap((result, index) =>
        result.outstanding > 0 ? [[index, result.outstanding]] : [],
      );
    expect(await counts(many.slice(0, 1))).toEqual([[0, 2]]);
    expect(await counts(many.slice(95, 100))).toEqual([
      [2, 1],
      [3, 1],
    ]);
    expect(await counts(many.slice(190, 210))).toEqual([[6, 1]]);
    expect(await counts(many.slice(0, 33))).toEqual([[0, 2]]);
  });

  it("apps and people cannot check; the check is audited without numbers", async () => {
    const h = await createHarness();
    const carrier = await h.client("carrier", "c", { prefixes: ["+86139"] });
    const app = await h.client("app");
    expect((await check(h, app, [NUMBER])).json.code).toBe("PERMISSION_DENIED");
    await check(h, carrier, [NUMBER]);
    const admin = await h.client("admin");
    const audit = await h.request("GET", "/v1/admin/audit", { token: await admin.token() });
    const entry = audit.json.items.find((e: { action: string }) => e.action === "numbers.checked");
    expect(entry).toMatchObject({
      actor_kind: "carrier",
      actor_id: carrier.id,
      detail: { count: 1, phone_hashes: [expect.any(String)] },
    });
    expect(audit.text).not.toContain("13912345678");
  });
});

describe("responsibility", () => {
  it("follows prefixes (longest wins), ports in and ports away", async () => {
    const h = await createHarness();
    const big = await h.client("carrier", "big", { prefixes: ["+86139"] });
    const mvno = await h.client("carrier", "mvno", { prefixes: ["+861391234"] });
    const other = await h.client("carrier", "other", { prefixes: ["+86138"] });
    expect((await check(h, big, ["+8613900000000"])).status).toBe(200);
    expect((await check(h, big, [NUMBER])).status).toBe(403); // the sub-allocated block is the MVNO's
    expect((await check(h, mvno, [NUMBER])).status).toBe(200);
    expect((await check(h, other, [NUMBER])).status).toBe(403);
    const ported = await report(h, mvno, [
      { id: "p1", phone_number: NUMBER, type: "ported", occurred_at: iso(h.now()), to_carrier: other.id },
    ]);
    expect(ported.json.results).toEqual([{ id: "p1", status: "recorded" }]);
    expect((await check(h, mvno, [NUMBER])).status).toBe(403);
    expect((await check(h, other, [NUMBER])).status).toBe(200);
    expect(
      (await report(h, mvno, [{ id: "late", phone_number: NUMBER, type: "suspended", occurred_at: iso(h.now()) }]))
        .status,
    ).toBe(403);
  });
});

describe("POST /v1/numbers/events", () => {
  it("reassigned ends bindings verified before it, tells the apps, and stale logins get 409 until re-verified", async () => {
    const h = await createHarness();
    const carrier = await h.client("carrier", "c", { prefixes: ["+86139"] });
    const app = await h.client("app");
    const old = await put(h, app, { phone_number: NUMBER, account_ref: "old-owner" });
    h.advance(10 * DAY);
    const newer = await put(h, app, { phone_number: NUMBER, account_ref: "new-owner" });
    h.advance(DAY);
    // Backfilled between the two verifications: only the older binding ends.
    const response = await report(h, carrier, [
      { id: "r1", phone_number: NUMBER, type: "reassigned", occurred_at: iso(Date.UTC(2026, 0, 20)) },
    ]);
    expect(response.json.results).toEqual([{ id: "r1", status: "recorded" }]);
    const token = await app.bearer();
    expect((await h.request("GET", `/v1/bindings/${old.json.id}`, { token })).json).toMatchObject({
      status: "unbound",
      end_reason: "NUMBER_RECYCLED",
    });
    expect((await h.request("GET", `/v1/bindings/${newer.json.id}`, { token })).json.status).toBe("active");
    const events = (await h.request("GET", "/v1/events", { token })).json.items;
    expect(events).toEqual([
      expect.objectContaining({
        type: "binding.unbound",
        data: expect.objectContaining({ binding_id: old.json.id, reason: "NUMBER_RECYCLED" }),
      }),
    ]);
    expect((await put(h, app, { phone_number: NUMBER, account_ref: "old-owner" })).json.code).toBe("NUMBER_RECYCLED");
    const recheck = await h.request("POST", "/v1/numbers/check-recycled", {
      token,
      json: { phone_number: NUMBER, since: "2026-01-16T00:00:00Z" },
    });
    expect(recheck.json).toEqual({
      recycled: true,
      last_reassigned_at: "2026-01-20T00:00:00.000Z",
      reporting_since: "2026-01-15T00:00:00.000Z",
    });
    const revived = await put(h, app, { phone_number: NUMBER, account_ref: "old-owner", verified_at: iso(h.now()) });
    expect(revived.json).toMatchObject({ status: "active", id: old.json.id });
    expect((await check(h, carrier, [NUMBER])).json.results[0].outstanding).toBe(2);
  });

  it("is idempotent per carrier event id, whatever the rest of the body", async () => {
    const h = await createHarness();
    const carrier = await h.client("carrier", "c", { prefixes: ["+86139"] });
    const app = await h.client("app");
    await put(h, app, { phone_number: NUMBER, account_ref: "a" });
    const first = await report(h, carrier, [
      { id: "d1", phone_number: NUMBER, type: "deactivated", occurred_at: iso(h.now()) },
    ]);
    expect(first.json.results[0].status).toBe("recorded");
    const again = await report(h, carrier, [
      { id: "d1", phone_number: NUMBER, type: "reassigned", occurred_at: iso(h.now()) },
      { id: "d2", phone_number: NUMBER, type: "suspended", occurred_at: iso(h.now()) },
      { id: "d2", phone_number: NUMBER, type: "suspended", occurred_at: iso(h.now()) },
    ]);
    expect(again.json.results).toEqual([
      { id: "d1", status: "duplicate" },
      { id: "d2", status: "recorded" },
      { id: "d2", status: "duplicate" },
    ]);
    const events = (await h.request("GET", "/v1/events", { token: await app.bearer() })).json.items;
    expect(events).toEqual([
      expect.objectContaining({
        type: "number.deactivated",
        data: expect.objectContaining({ account_ref: "a", phone_number_hint: "+86139****5678" }),
      }),
    ]);
    expect((await put(h, app, { phone_number: NUMBER, account_ref: "a" })).status).toBe(200); // the duplicate "reassigned" did nothing
  });

  it("a resent batch stays a harmless duplicate after it ported the number away", async () => {
    const h = await createHarness();
    const carrier = await h.client("carrier", "c", { prefixes: ["+86139"] });
    const other = await h.client("carrier", "o", { prefixes: ["+86138"] });
    const batch = [
      { id: "s1", phone_number: NUMBER, type: "suspended", occurred_at: iso(h.now()) },
      { id: "p1", phone_number: NUMBER, type: "ported", occurred_at: iso(h.now()), to_carrier: other.id },
    ];
    expect((await report(h, carrier, batch)).json.results.map((r: { status: string }) => r.status)).toEqual([
      "recorded",
      "recorded",
    ]);
    const resent = await report(h, carrier, batch);
    expect(resent.status).toBe(200);
    expect(resent.json.results.map((r: { status: string }) => r.status)).toEqual(["duplicate", "duplicate"]);
    // A new event about the number it no longer answers for is still refused.
    const fresh = await report(h, carrier, [
      ...batch,
      { id: "s2", phone_number: NUMBER, type: "suspended", occurred_at: iso(h.now()) },
    ]);
    expect(fresh.status).toBe(403);
    expect(fresh.json.errors).toEqual([expect.objectContaining({ pointer: "/events/2/phone_number" })]);
  });

  it("suspended, reactivated and ported leave bindings alone", async () => {
    const h = await createHarness();
    const carrier = await h.client("carrier", "c", { prefixes: ["+86139"] });
    const other = await h.client("carrier", "o", { prefixes: ["+86138"] });
    const app = await h.client("app");
    const b = await put(h, app, { phone_number: NUMBER, account_ref: "a" });
    const t = iso(h.now());
    await report(h, carrier, [
      { id: "s", phone_number: NUMBER, type: "suspended", occurred_at: t },
      { id: "r", phone_number: NUMBER, type: "reactivated", occurred_at: t },
      { id: "p", phone_number: NUMBER, type: "ported", occurred_at: t, to_carrier: other.id },
    ]);
    expect((await h.request("GET", `/v1/bindings/${b.json.id}`, { token: await app.bearer() })).json.status).toBe(
      "active",
    );
    expect((await h.request("GET", "/v1/events", { token: await app.bearer() })).json.items).toEqual([]);
    expect((await check(h, other, [NUMBER])).json.results[0].outstanding).toBe(1);
  });

  it("refuses a bad event before applying any: future time, unknown to_carrier, to_carrier on a non-port", async () => {
    const h = await createHarness();
    const carrier = await h.client("carrier", "c", { prefixes: ["+86139"] });
    const app = await h.client("app");
    await put(h, app, { phone_number: NUMBER, account_ref: "a" });
    const good = { id: "ok", phone_number: NUMBER, type: "reassigned", occurred_at: iso(h.now()) };
    for (const [bad, pointer] of [
      [
        { id: "f", phone_number: NUMBER, type: "suspended", occurred_at: iso(h.now() + 6 * MINUTE) },
        "/events/1/occurred_at",
      ],
      [
        { id: "p", phone_number: NUMBER, type: "ported", occurred_at: iso(h.now()), to_carrier: "carrier_nobody" },
        "/events/1/to_carrier",
      ],
      [
        { id: "p", phone_number: NUMBER, type: "ported", occurred_at: iso(h.now()), to_carrier: app.id },
        "/events/1/to_carrier",
      ],
      [
        { id: "x", phone_number: NUMBER, type: "suspended", occurred_at: iso(h.now()), to_carrier: carrier.id },
        "/events/1/to_carrier",
      ],
      [{ id: "y", phone_number: NUMBER, type: "exploded", occurred_at: iso(h.now()) }, "/events/1/type"],
    ] as const) {
      const response = await report(h, carrier, [good, bad]);
      expect(response.status, pointer).toBe(400);
      expect(response.json.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    }
    expect((await put(h, app, { phone_number: NUMBER, account_ref: "a" })).status).toBe(200);
    expect(
      (await report(h, carrier, [{ ...good, occurred_at: iso(h.now() + 4 * MINUTE) }])).json.results[0].status,
    ).toBe("recorded");
  });
});
