import { describe, expect, it } from "vitest";
import { createHarness, type Harness, type TestClient } from "../support/harness.js";

const NUMBER = "+8613912345678";
const iso = (ms: number) => new Date(ms).toISOString();
/** 2025-01-01T09:00Z: the carrier joins (reporting from then), away from midnight. */
const JOINED = Date.UTC(2025, 0, 1, 9);

interface CarrierEvent {
  id: string;
  type: string;
  occurred_at: string;
  phone_number?: string;
  to_carrier?: string;
}

async function report(h: Harness, carrier: TestClient, events: CarrierEvent[]) {
  const response = await h.request("POST", "/v1/numbers/events", {
    token: await carrier.bearer(),
    json: { events: events.map((event) => ({ phone_number: NUMBER, ...event })) },
  });
  expect(response.status, response.text).toBe(200);
}

async function checkRecycled(h: Harness, app: TestClient, since: string, phoneNumber = NUMBER) {
  const response = await h.request("POST", "/v1/numbers/check-recycled", {
    token: await app.bearer(),
    json: { phone_number: phoneNumber, since },
  });
  expect(response.status, response.text).toBe(200);
  return response.json;
}

/** A carrier for +86139 that joined at JOINED, an app, and the clock a year later. */
async function registry() {
  const h = await createHarness();
  h.setTime(JOINED);
  const carrier = await h.client("carrier", "cmcc", { prefixes: ["+86139"] });
  const app = await h.client("app", "bank");
  const admin = await h.client("admin");
  h.setTime(Date.UTC(2026, 0, 15));
  return { h, carrier, app, admin };
}

describe("POST /v1/numbers/check-recycled: three answers", () => {
  it("false when the carrier's reports cover `since` and the number kept its subscriber", async () => {
    const { h, app } = await registry();
    expect(await checkRecycled(h, app, "2025-06-01T00:00:00Z")).toEqual({
      recycled: false,
      last_reassigned_at: null,
      reporting_since: iso(JOINED),
    });
  });

  it("true when it was reassigned after `since`, false after the reassignment", async () => {
    const { h, carrier, app } = await registry();
    const reassigned = Date.UTC(2025, 8, 21, 3);
    await report(h, carrier, [{ id: "r1", type: "reassigned", occurred_at: iso(reassigned) }]);
    expect(await checkRecycled(h, app, "2025-06-01T00:00:00Z")).toEqual({
      recycled: true,
      last_reassigned_at: iso(reassigned),
      reporting_since: iso(JOINED),
    });
    // The national form is the same number.
    expect((await checkRecycled(h, app, "2025-06-01T00:00:00Z", "139 1234 5678")).recycled).toBe(true);
    // A reassignment at `since` itself is not after it.
    expect((await checkRecycled(h, app, iso(reassigned))).recycled).toBe(false);
    expect((await checkRecycled(h, app, iso(reassigned - 1))).recycled).toBe(true);
    expect((await checkRecycled(h, app, "2025-10-01T00:00:00Z")).recycled).toBe(false);
  });

  it("null (no data) when `since` is before the carrier began reporting, with when it began", async () => {
    const { h, carrier, app } = await registry();
    expect(await checkRecycled(h, app, "2024-12-31T00:00:00Z")).toEqual({
      recycled: null,
      last_reassigned_at: null,
      reporting_since: iso(JOINED),
    });
    // The boundary: reports complete from JOINED cover every change after JOINED.
    expect((await checkRecycled(h, app, iso(JOINED - 1000))).recycled).toBeNull();
    expect((await checkRecycled(h, app, iso(JOINED))).recycled).toBe(false);
    // What is known is still shown; the answer stays "no data" for a time nobody vouches for.
    await report(h, carrier, [{ id: "r1", type: "reassigned", occurred_at: "2025-03-01T00:00:00Z" }]);
    expect(await checkRecycled(h, app, "2024-06-01T00:00:00Z")).toEqual({
      recycled: null,
      last_reassigned_at: "2025-03-01T00:00:00.000Z",
      reporting_since: iso(JOINED),
    });
  });

  it("null with no reporting_since when no carrier in the registry answers for the number", async () => {
    const { h, app, carrier, admin } = await registry();
    const outside = { recycled: null, last_reassigned_at: null, reporting_since: null };
    expect(await checkRecycled(h, app, "2025-06-01T00:00:00Z", "+8613812345678")).toEqual(outside);
    expect(await checkRecycled(h, app, "2025-06-01T00:00:00Z", "+447911123456")).toEqual(outside);
    // A disabled carrier reports nothing any more.
    await h.request("PATCH", `/v1/admin/clients/${carrier.id}`, {
      token: await admin.token(),
      json: { disabled: true },
    });
    expect(await checkRecycled(h, app, "2025-06-01T00:00:00Z")).toEqual(outside);
  });

  it("follows the operator's reporting_since: earlier for a backfill; cleared, the carrier's joining", async () => {
    const { h, app, carrier, admin } = await registry();
    const patch = async (reporting_since: string | null) => {
      const response = await h.request("PATCH", `/v1/admin/clients/${carrier.id}`, {
        token: await admin.token(),
        json: { reporting_since },
      });
      expect(response.status, response.text).toBe(200);
    };
    await patch("2020-01-01T00:00:00Z");
    expect(await checkRecycled(h, app, "2024-06-01T00:00:00Z")).toEqual({
      recycled: false,
      last_reassigned_at: null,
      reporting_since: "2020-01-01T00:00:00.000Z",
    });
    await patch(null);
    expect(await checkRecycled(h, app, "2024-06-01T00:00:00Z")).toMatchObject({
      recycled: null,
      reporting_since: iso(JOINED),
    });
  });
});

describe("POST /v1/numbers/check-recycled: ports", () => {
  /** cmcc (+86139, joined JOINED) ports NUMBER to unicom, which joined later. */
  async function ported() {
    const { h, carrier, app } = await registry();
    h.setTime(Date.UTC(2025, 5, 1, 9));
    const unicom = await h.client("carrier", "unicom", { prefixes: ["+86130"] });
    h.setTime(Date.UTC(2025, 8, 1));
    await report(h, carrier, [
      { id: "p1", type: "ported", occurred_at: "2025-08-15T00:00:00Z", to_carrier: unicom.id },
    ]);
    h.setTime(Date.UTC(2026, 0, 15));
    return { h, carrier, unicom, app };
  }

  it("a port is never a recycle", async () => {
    const { h, app } = await ported();
    expect(await checkRecycled(h, app, "2025-07-01T00:00:00Z")).toEqual({
      recycled: false,
      last_reassigned_at: null,
      reporting_since: "2025-06-01T09:00:00.000Z",
    });
  });

  it("the receiving carrier answers for the number, and both carriers' reports must cover `since`", async () => {
    const { h, app, unicom } = await ported();
    // cmcc reported before the port, unicom only since it joined: before that, no data.
    expect(await checkRecycled(h, app, "2025-03-01T00:00:00Z")).toEqual({
      recycled: null,
      last_reassigned_at: null,
      reporting_since: "2025-06-01T09:00:00.000Z",
    });
    // Reassignments unicom reports now count.
    await report(h, unicom, [{ id: "u1", type: "reassigned", occurred_at: "2025-12-01T00:00:00Z" }]);
    expect(await checkRecycled(h, app, "2025-07-01T00:00:00Z")).toMatchObject({
      recycled: true,
      last_reassigned_at: "2025-12-01T00:00:00.000Z",
    });
  });

  it("a deactivation without a new subscriber is not a recycle either", async () => {
    const { h, carrier, app } = await registry();
    await report(h, carrier, [{ id: "d1", type: "deactivated", occurred_at: "2025-09-01T00:00:00Z" }]);
    expect((await checkRecycled(h, app, "2025-06-01T00:00:00Z")).recycled).toBe(false);
  });
});

it("needs the numbers:check-recycled scope; carriers have it too", async () => {
  const { h, carrier, app } = await registry();
  const narrow = await h.request("POST", "/v1/numbers/check-recycled", {
    token: await app.token("bindings"),
    json: { phone_number: NUMBER, since: "2025-06-01T00:00:00Z" },
  });
  expect(narrow.status).toBe(403);
  expect((await checkRecycled(h, carrier, "2025-06-01T00:00:00Z")).recycled).toBe(false);
});
