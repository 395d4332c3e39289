import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { routePattern } from "../../src/http/route-pattern.js";
import { createHarness, type Harness, type TestClient } from "../support/harness.js";

const NUMBER = "+8613912345678";
const DIGITS = "13912345678";

/** A request whose body is exactly these bytes: what a careless or hostile client sends. */
async function rawRequest(
  h: Harness,
  method: string,
  path: string,
  token: string,
  body: Uint8Array<ArrayBuffer> | string,
) {
  const response = await h.app.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: JSON.parse(text) };
}

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((part) => (typeof part === "string" ? [...new TextEncoder().encode(part)] : part)));

function expectInvalid(response: { status: number; headers: Headers; json: any }, pointer: string) {
  expect(response.status).toBe(400);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(response.json.code).toBe("INVALID_ARGUMENT");
  expect(response.json.errors?.[0]?.pointer).toBe(pointer);
}

async function setUp() {
  const h = await createHarness();
  const app = await h.client("app");
  const carrier = await h.client("carrier", "cmcc", { prefixes: ["+86139"] });
  return { h, app, carrier, appToken: await app.bearer(), carrierToken: await carrier.bearer() };
}

async function listByAccount(h: Harness, app: TestClient, accountRef: string) {
  const response = await h.request("GET", `/v1/bindings?account_ref=${encodeURIComponent(accountRef)}`, {
    token: await app.bearer(),
  });
  return response.json.items as unknown[];
}

describe("strict JSON bodies (I-JSON, RFC 7493)", () => {
  it("refuses a member sent twice, at any depth, naming it; the last one never wins", async () => {
    const { h, app, appToken, carrierToken } = await setUp();
    const twice = `{"phone_number":"${NUMBER}","account_ref":"first","account_ref":"second"}`;
    expectInvalid(await rawRequest(h, "PUT", "/v1/bindings", appToken, twice), "/account_ref");
    expect(await listByAccount(h, app, "second")).toEqual([]);

    const outOfRange = `{"phone_numbers":["+8613812345678"],"phone_numbers":["${NUMBER}"]}`;
    expectInvalid(await rawRequest(h, "POST", "/v1/numbers/bindings", carrierToken, outOfRange), "/phone_numbers");

    const nested = `{"events":[{"id":"e1","phone_number":"${NUMBER}","type":"suspended","type":"reassigned","occurred_at":"2026-01-14T00:00:00Z"}]}`;
    expectInvalid(await rawRequest(h, "POST", "/v1/numbers/events", carrierToken, nested), "/events/0/type");

    // The same name written with an escape is the same member.
    const escaped = `{"phone_number":"${NUMBER}","account_ref":"a","account\\u005fref":"b"}`;
    expectInvalid(await rawRequest(h, "PUT", "/v1/bindings", appToken, escaped), "/account_ref");
  });

  it("refuses bytes that are not UTF-8 instead of turning them into U+FFFD, naming the member", async () => {
    const { h, app, appToken } = await setUp();
    for (const bad of [[0xff], [0xe2, 0x82], [0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
      const body = bytes(`{"phone_number":"${NUMBER}","account_ref":"u8-`, bad, `"}`);
      const response = await rawRequest(h, "PUT", "/v1/bindings", appToken, body);
      expectInvalid(response, "/account_ref");
      expect(response.json.detail).toMatch(/UTF-8/);
    }
    const inName = bytes(`{"phone_number":"${NUMBER}","acc`, [0xff], `":"x"}`);
    expectInvalid(await rawRequest(h, "PUT", "/v1/bindings", appToken, inName), "");
    expect(await listByAccount(h, app, "u8-\ufffd")).toEqual([]);
    // Real UTF-8 is kept as sent.
    const chinese = await rawRequest(
      h,
      "PUT",
      "/v1/bindings",
      appToken,
      bytes(`{"phone_number":"${NUMBER}","account_ref":"账户-1"}`),
    );
    expect(chinese.status).toBe(201);
    expect(chinese.json.account_ref).toBe("账户-1");
  });

  it("refuses lone surrogates and keeps whole pairs", async () => {
    const { h, appToken, carrierToken } = await setUp();
    for (const lone of ["\\ud800", "\\udc00", "x\\ud83dy", "\\ud83d\\u0041"]) {
      const body = `{"phone_number":"${NUMBER}","account_ref":"${lone}"}`;
      const response = await rawRequest(h, "PUT", "/v1/bindings", appToken, body);
      expectInvalid(response, "/account_ref");
      expect(response.json.detail).toMatch(/surrogate/);
    }
    const inArray = `{"phone_numbers":["${NUMBER}","\\udfff"]}`;
    expectInvalid(await rawRequest(h, "POST", "/v1/numbers/bindings", carrierToken, inArray), "/phone_numbers/1");
    const pair = await rawRequest(
      h,
      "PUT",
      "/v1/bindings",
      appToken,
      `{"phone_number":"${NUMBER}","account_ref":"\\ud83d\\ude00"}`,
    );
    expect(pair.status).toBe(201);
    expect(pair.json.account_ref).toBe("😀");
  });

  it("still refuses unknown members, bodies that are not JSON, too large or of another type", async () => {
    const { h, appToken } = await setUp();
    expectInvalid(
      await rawRequest(h, "PUT", "/v1/bindings", appToken, `{"phone_number":"${NUMBER}","account_ref":"a","extra":1}`),
      "/extra",
    );
    const notJson = await rawRequest(h, "PUT", "/v1/bindings", appToken, `{"phone_number":`);
    expect([notJson.status, notJson.json.code, notJson.json.detail]).toEqual([
      400,
      "INVALID_ARGUMENT",
      "the request body is not valid JSON",
    ]);
    const deep = await rawRequest(h, "PUT", "/v1/bindings", appToken, `${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    expect(deep.status).toBe(400);
    const large = await rawRequest(h, "PUT", "/v1/bindings", appToken, `"${"x".repeat(1024 * 1024)}"`);
    expect([large.status, large.json.code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
    const text = await h.request("PUT", "/v1/bindings", {
      token: appToken,
      body: "{}",
      headers: { "content-type": "text/plain" },
    });
    expect([text.status, text.json.code]).toEqual([415, "UNSUPPORTED_MEDIA_TYPE"]);
  });
});

describe("no echo of what the caller sent", () => {
  it("answers an unknown path without repeating it", async () => {
    const { h, appToken } = await setUp();
    const admin = await h.client("admin");
    const adminToken = await admin.bearer();
    for (const [method, path, token] of [
      ["GET", `/v1/numbers/${encodeURIComponent(NUMBER)}`, appToken],
      ["GET", `/v1/numbers/${NUMBER}`, appToken],
      ["GET", `/${DIGITS}`, undefined],
      ["DELETE", `/v1/nothing/${DIGITS}/here`, appToken],
      ["GET", `/v1/bindings/${encodeURIComponent(NUMBER)}`, appToken],
      ["DELETE", `/v1/bindings/${DIGITS}`, appToken],
      ["DELETE", `/v1/me/bindings/${DIGITS}`, appToken],
    ] as const) {
      const response = await h.request(method, path, { token });
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.text, path).not.toContain(DIGITS);
    }
    const patch = await h.request("PATCH", `/v1/admin/clients/${encodeURIComponent(NUMBER)}`, {
      token: adminToken,
      json: { name: "x" },
    });
    expect([patch.status, patch.json.detail]).toEqual([404, "no such client"]);
    expect(patch.text).not.toContain(DIGITS);
  });

  it("does not repeat a member name that could hold a number", async () => {
    const { h, appToken } = await setUp();
    for (const body of [
      `{"phone_number":"${NUMBER}","account_ref":"a","${NUMBER}":1}`,
      `{"phone_number":"${NUMBER}","account_ref":"a","x${DIGITS}":1}`,
      `{"phone_number":"${NUMBER}","${NUMBER}":1,"${NUMBER}":2}`,
      `{"phone_number":"${NUMBER}","\\ud800${DIGITS}":1}`,
    ]) {
      const response = await rawRequest(h, "PUT", "/v1/bindings", appToken, body);
      expectInvalid(response, "");
      expect(response.text).not.toContain(DIGITS);
    }
    // An invalid number in a value is pointed at, not repeated.
    const invalid = await rawRequest(
      h,
      "PUT",
      "/v1/bindings",
      appToken,
      `{"phone_number":"+8619412345678","account_ref":"a"}`,
    );
    expectInvalid(invalid, "/phone_number");
    expect(invalid.text).not.toContain("19412345678");
    expect(h.errors).toEqual([]);
  });

  it("logs the route pattern of a failing request, never its path", async () => {
    const logged: string[] = [];
    const app = new Hono();
    app.use("*", (_c, next) => next());
    app.get("/v1/bindings/:id", () => {
      throw new Error("boom");
    });
    app.onError((_error, c) => {
      logged.push(routePattern(c));
      return c.text("failed", 500);
    });
    await app.request(`/v1/bindings/${encodeURIComponent(NUMBER)}`);
    await app.request(`/v1/bindings/${DIGITS}`);
    expect(logged).toEqual(["/v1/bindings/:id", "/v1/bindings/:id"]);
  });
});
