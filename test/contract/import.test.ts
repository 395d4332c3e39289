import { describe, expect, it } from "vitest";
import { createHarness, DAY, type Harness, type TestClient } from "../support/harness.js";

const iso = (ms: number) => new Date(ms).toISOString();
const number = (i: number) => `+86139${String(100_000_000 + i).slice(1)}`;

async function importLines(h: Harness, app: TestClient, lines: unknown[], type = "application/x-ndjson") {
  const body = lines.map((line) => (typeof line === "string" ? line : JSON.stringify(line))).join("\n");
  return h.request("POST", "/v1/bindings/import", {
    token: await app.bearer(),
    body: `${body}\n`,
    headers: { "content-type": type },
  });
}

describe("POST /v1/bindings/import", () => {
  it("creates each line's binding; importing the same lines again changes nothing", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    const lines = Array.from({ length: 30 }, (_, i) => ({
      phone_number: number(i),
      account_ref: `user-${i}`,
      verified_at: iso(h.now() - 10 * DAY),
      last_seen_at: iso(h.now() - DAY),
    }));
    const first = await importLines(h, app, lines);
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ created: 30, refreshed: 0, unchanged: 0, expired: 0, rejected: 0, errors: [] });
    h.advance(DAY);
    const again = await importLines(h, app, lines);
    expect(again.json).toMatchObject({ created: 0, refreshed: 0, unchanged: 30, rejected: 0 });
    const list = await h.request("GET", "/v1/bindings?limit=100", { token: await app.bearer() });
    expect(list.json.items).toHaveLength(30);
    expect(list.json.items[0]).toMatchObject({ status: "active", last_seen_at: iso(h.now() - 2 * DAY) });
    // A later last_seen_at refreshes; the feed heard nothing of an import.
    const later = await importLines(h, app, [{ ...lines[0], last_seen_at: iso(h.now()) }]);
    expect(later.json).toMatchObject({ refreshed: 1 });
    expect((await h.request("GET", "/v1/events", { token: await app.bearer() })).json.items).toEqual([]);
  });

  it("stores bindings last seen before the window as expired, without a feed event", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    const stale = { phone_number: number(1), account_ref: "gone", last_seen_at: iso(h.now() - 100 * DAY) };
    const response = await importLines(h, app, [stale, { phone_number: number(2), account_ref: "here" }]);
    expect(response.json).toMatchObject({ created: 1, expired: 1, rejected: 0 });
    const gone = await h.request("GET", "/v1/bindings?account_ref=gone", { token: await app.bearer() });
    expect(gone.json.items[0]).toMatchObject({
      status: "expired",
      end_reason: "INACTIVITY",
      ended_at: iso(h.now() - 10 * DAY),
    });
    expect((await importLines(h, app, [stale])).json).toMatchObject({ expired: 0, unchanged: 1 });
    expect((await h.request("GET", "/v1/events", { token: await app.bearer() })).json.items).toEqual([]);
  });

  it("rejects, by line number, the accounts whose number changed hands since they verified it", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    const carrier = await h.client("carrier", "cmcc", { prefixes: ["+86139"] });
    const reassigned = await h.request("POST", "/v1/numbers/events", {
      token: await carrier.bearer(),
      json: {
        events: [{ id: "e1", phone_number: number(7), type: "reassigned", occurred_at: iso(h.now() - 5 * DAY) }],
      },
    });
    expect(reassigned.status).toBe(200);
    const response = await importLines(h, app, [
      { phone_number: number(6), account_ref: "fine", verified_at: iso(h.now() - 30 * DAY) },
      { phone_number: number(7), account_ref: "stale", verified_at: iso(h.now() - 30 * DAY) },
      { phone_number: number(7), account_ref: "fresh", verified_at: iso(h.now() - DAY) },
    ]);
    expect(response.json).toMatchObject({ created: 2, rejected: 1 });
    expect(response.json.errors).toEqual([{ line: 2, code: "NUMBER_RECYCLED", detail: expect.any(String) }]);
    expect(response.text).not.toContain("13900000007");
  });

  it("a bad line never sinks the good ones, and no error repeats a number", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    const response = await importLines(h, app, [
      { phone_number: number(1), account_ref: "ok" },
      "{not json",
      { phone_number: "+86139123", account_ref: "short-number" },
      { phone_number: number(2), account_ref: "x", surprise: true },
      { phone_number: number(3), account_ref: "future", verified_at: iso(h.now() + DAY) },
      "",
      { phone_number: number(4), account_ref: "also-ok" },
      `{"phone_number":"${number(5)}","account_ref":"a","account_ref":"b"}`,
    ]);
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ created: 2, rejected: 5 });
    expect(response.json.errors.map((e: { line: number; code: string }) => [e.line, e.code])).toEqual([
      [2, "INVALID_ARGUMENT"],
      [3, "INVALID_ARGUMENT"],
      [4, "INVALID_ARGUMENT"],
      [5, "INVALID_ARGUMENT"],
      [8, "INVALID_ARGUMENT"],
    ]);
    expect(response.json.errors[4].detail).toMatch(/account_ref.*twice/);
    expect(response.text).not.toMatch(/86139123|13900000/);
  });

  it("refuses a body that is not NDJSON text, too many lines, or another media type", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ phone_number: number(i), account_ref: `a${i}` }));
    const many = await importLines(h, app, tooMany);
    expect(many.status).toBe(413);
    expect(many.json.code).toBe("PAYLOAD_TOO_LARGE");
    const json = await importLines(h, app, [{ phone_number: number(1), account_ref: "a" }], "application/json");
    expect(json.status).toBe(415);
    const binary = await h.request("POST", "/v1/bindings/import", {
      token: await app.bearer(),
      body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) as unknown as string,
      headers: { "content-type": "application/x-ndjson" },
    });
    expect(binary.status).toBe(400);
    expect(binary.json.code).toBe("INVALID_ARGUMENT");
  });
});
