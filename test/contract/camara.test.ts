import { sql } from "drizzle-orm";
import { exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { CLIENT_ASSERTION_TYPE, signClientAssertion } from "../../src/client/assertion.js";
import { numbers } from "../../src/db/shard-schema.js";
import type { AppConfig } from "../../src/http/context.js";
import { createHarness, type Harness, ISSUER, MINUTE, signJwt, type TestClient } from "../support/harness.js";

/**
 * CAMARA Number Recycling r2.2: every scenario of code/Test_definitions/number-recycling.feature
 * (tag r2.2, plus C02.02 from main / Commonalities r3.3) that applies to numbind, by its tag; then
 * what the API definition and the Design Guide require beyond them.
 */

const PATH = "/number-recycling/v0.2/check";
const XC = "b4333c46-49c0-4f62-80d7-f0ef930f1c46";
/** User B holds it since 2024-09-21 (CAMARA's scenario 2); user A signed on 2023-10-09. */
const N = "+8613912345678";
const NEVER_REASSIGNED = "+8613900000001";
/** The carrier joins 2023-10-01 09:00 UTC: its reports are complete from then. */
const JOINED = Date.UTC(2023, 9, 1, 9);
/** "Today" in CAMARA's scenarios: 2024-11-02. */
const TODAY = Date.UTC(2024, 10, 2, 12);

interface Camara {
  h: Harness;
  carrier: TestClient;
  app: TestClient;
  token: string;
  report(
    events: { id: string; phone_number?: string; type: string; occurred_at: string; to_carrier?: string }[],
  ): Promise<void>;
  check(
    json: unknown,
    options?: { token?: string | null; headers?: Record<string, string> },
  ): ReturnType<Harness["request"]>;
}

async function camara(config: Partial<AppConfig> = {}): Promise<Camara> {
  const h = await createHarness({ config });
  h.setTime(JOINED);
  const carrier = await h.client("carrier", "mno", { prefixes: ["+86139"] });
  const app = await h.client("app", "asp");
  h.setTime(TODAY);
  const report: Camara["report"] = async (events) => {
    const response = await h.request("POST", "/v1/numbers/events", {
      token: await carrier.bearer(),
      json: { events: events.map((event) => ({ phone_number: N, ...event })) },
    });
    expect(response.status, response.text).toBe(200);
  };
  // Scenario 2: A's contract ended 2024-02-25, B signed 2024-09-21 (backfilled).
  await report([
    { id: "a-end", type: "deactivated", occurred_at: "2024-02-25T06:00:00Z" },
    { id: "b-start", type: "reassigned", occurred_at: "2024-09-21T03:00:00Z" },
  ]);
  const token = await app.token("number-recycling:check");
  const check: Camara["check"] = (json, options = {}) =>
    h.request("POST", PATH, {
      token: options.token === null ? undefined : (options.token ?? token),
      json,
      headers: { "x-correlator": XC, ...options.headers },
    });
  return { h, carrier, app, token, report, check };
}

type Response = Awaited<ReturnType<Harness["request"]>>;

/** CAMARA's error body, exactly: three members, application/json, the x-correlator echoed. */
function expectCamaraError(response: Response, status: number, code: string, correlator: string | null = XC) {
  expect(response.status, response.text).toBe(status);
  expect(response.json).toEqual({ status, code, message: expect.stringMatching(/\S/) });
  expect(Object.keys(response.json)).toEqual(["status", "code", "message"]);
  expect(response.headers.get("content-type")).toBe("application/json");
  if (correlator !== null) expect(response.headers.get("x-correlator")).toBe(correlator);
}

function expectAnswer(response: Response, recycled: boolean) {
  expect(response.status, response.text).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/json");
  expect(response.headers.get("x-correlator")).toBe(XC);
  expect(response.text).toBe(JSON.stringify({ phoneNumberRecycled: recycled }));
}

describe("CAMARA number-recycling.feature r2.2", () => {
  it("@checkNumberRecycling_01_success_request_response_when_phoneNumberRecycled_is_false", async () => {
    const { check } = await camara();
    expectAnswer(await check({ phoneNumber: NEVER_REASSIGNED, specifiedDate: "2023-12-22" }), false);
    // CAMARA's note: the day a user signed answers false (B signed 2024-09-21), and so does every day after.
    expectAnswer(await check({ phoneNumber: N, specifiedDate: "2024-09-21" }), false);
    expectAnswer(await check({ phoneNumber: N, specifiedDate: "2024-10-31" }), false);
  });

  it("@checkNumberRecycling_02_success_request_response_when_phoneNumberRecycled_is_true", async () => {
    const { check } = await camara();
    expectAnswer(await check({ phoneNumber: N, specifiedDate: "2023-12-22" }), true);
    // CAMARA's note: any day without a contract (2024-02-25 to 2024-09-20) answers true.
    for (const specifiedDate of ["2024-02-25", "2024-06-01", "2024-09-20"]) {
      expectAnswer(await check({ phoneNumber: N, specifiedDate }), true);
    }
  });

  it("@checkNumberRecycling_400.01_invalid_specifiedDate", async () => {
    const { check } = await camara();
    for (const specifiedDate of [
      "2024-13-01",
      "2024-02-30",
      "2023-02-29",
      "24-10-31",
      "2024/10/31",
      "2024-1-5",
      "2024-10-31T00:00:00Z",
      "2024-10-31 ",
      "",
    ]) {
      expectCamaraError(await check({ phoneNumber: N, specifiedDate }), 400, "INVALID_ARGUMENT");
    }
    // A leap day is a date.
    expectAnswer(await check({ phoneNumber: N, specifiedDate: "2024-02-29" }), true);
  });

  it("@checkNumberRecycling_400.2_no_request_body", async () => {
    const { h, token } = await camara();
    const response = await h.request("POST", PATH, {
      token,
      headers: { "content-type": "application/json", "x-correlator": XC },
    });
    expectCamaraError(response, 400, "INVALID_ARGUMENT");
  });

  it("@checkNumberRecycling_400.3_empty_request_body", async () => {
    const { check } = await camara();
    expectCamaraError(await check({}), 400, "INVALID_ARGUMENT");
  });

  it("@checkNumberRecycling_400.4_out_of_range", async () => {
    const { check } = await camara();
    for (const specifiedDate of ["2024-11-03", "2999-01-01"]) {
      expectCamaraError(await check({ phoneNumber: N, specifiedDate }), 400, "OUT_OF_RANGE");
    }
    // Today (UTC) is not in the future.
    expectAnswer(await check({ phoneNumber: N, specifiedDate: "2024-11-02" }), false);
  });

  it("@checkNumberRecycling_400.5_invalid_argument", async () => {
    const { h, check, token } = await camara();
    for (const body of [
      [],
      "x",
      null,
      { phoneNumber: N, specifiedDate: 20241031 },
      { phoneNumber: 8613912345678, specifiedDate: "2024-01-01" },
      { phoneNumber: N },
      { phoneNumber: N, specifiedDate: "2024-01-01", extra: 1 },
    ]) {
      expectCamaraError(await check(body), 400, "INVALID_ARGUMENT");
    }
    for (const text of [
      '{"phoneNumber":',
      `{"phoneNumber":"${N}","phoneNumber":"${N}","specifiedDate":"2024-01-01"}`,
    ]) {
      const response = await h.request("POST", PATH, {
        token,
        body: text,
        headers: { "content-type": "application/json", "x-correlator": XC },
      });
      expectCamaraError(response, 400, "INVALID_ARGUMENT");
    }
    expect(h.errors).toEqual([]);
  });

  it("@checkNumberRecycling_401.1_expired_access_token", async () => {
    const { h, check, token } = await camara();
    h.advance(10 * MINUTE + 10_000);
    const response = await check({ phoneNumber: N, specifiedDate: "2023-12-22" }, { token });
    expectCamaraError(response, 401, "UNAUTHENTICATED");
    expect(response.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
  });

  it("@checkNumberRecycling_401.2_invalid_access_token", async () => {
    const { h, app, check, token } = await camara();
    const flipped = token.slice(0, -2) + (token.at(-2) === "A" ? "B" : "A") + token.at(-1);
    const { privateKey } = await generateKeyPair("EdDSA", { extractable: true });
    const foreign = await signJwt(
      { ...(await exportJWK(privateKey)), kid: h.signingKey.kid },
      {
        iss: ISSUER,
        aud: ISSUER,
        sub: app.id,
        client_id: app.id,
        scope: "number-recycling:check",
        exp: TODAY / 1000 + 600,
      },
    );
    const messages = new Set<string>();
    for (const bad of ["garbage", flipped, foreign, await app.assertion()]) {
      const response = await check({ phoneNumber: N, specifiedDate: "2023-12-22" }, { token: bad });
      expectCamaraError(response, 401, "UNAUTHENTICATED");
      messages.add(response.json.message);
    }
    // A disabled client's tokens stop working.
    const admin = await h.client("admin");
    await h.request("PATCH", `/v1/admin/clients/${app.id}`, { token: await admin.token(), json: { disabled: true } });
    const disabled = await check({ phoneNumber: N, specifiedDate: "2023-12-22" });
    expectCamaraError(disabled, 401, "UNAUTHENTICATED");
    messages.add(disabled.json.message);
    // Design Guide r3.3 §3.1 note 1: one answer whatever the reason.
    expect([...messages]).toEqual([
      "Request not authenticated due to missing, invalid, or expired credentials. A new authentication is required.",
    ]);
  });

  it("@checkNumberRecycling_401.3_no_header_authorization", async () => {
    const { check } = await camara();
    const none = await check({ phoneNumber: N, specifiedDate: "2023-12-22" }, { token: null });
    expectCamaraError(none, 401, "UNAUTHENTICATED");
    expect(none.headers.get("www-authenticate")).toBe("Bearer");
    const basic = await check(
      { phoneNumber: N, specifiedDate: "2023-12-22" },
      { token: null, headers: { authorization: "Basic YXNwOnNlY3JldA==" } },
    );
    expectCamaraError(basic, 401, "UNAUTHENTICATED");
  });

  it("@checkNumberRecycling_403.1_invalid_token_permissions", async () => {
    const { h, carrier, app, check } = await camara();
    const admin = await h.client("admin");
    const iat = Math.floor(h.now() / 1000);
    const personAssertion = await signJwt(carrier.privateJwk, {
      iss: carrier.id,
      sub: `tel:${N}`,
      aud: ISSUER,
      iat,
      exp: iat + 60,
      jti: crypto.randomUUID(),
    });
    const person = await h.tokenRequest({
      grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
      assertion: personAssertion,
    });
    expect(person.status, person.text).toBe(200);
    for (const token of [
      await app.token("bindings numbers:check-recycled"),
      await carrier.token(),
      await admin.token(),
      // C02.03 does not apply: a three-legged (person) token never carries number-recycling:check.
      person.json.access_token as string,
    ]) {
      const response = await check({ phoneNumber: N, specifiedDate: "2023-12-22" }, { token });
      expectCamaraError(response, 403, "PERMISSION_DENIED");
    }
  });

  it("@checkNumberRecycling_C02.01_phone_number_not_schema_compliant", async () => {
    const { check } = await camara();
    for (const phoneNumber of [
      "8613912345678",
      "13912345678",
      "+86 139 1234 5678",
      "+86-139-1234-5678",
      "+0123456",
      "+1234",
      "+1234567890123456",
      "",
    ]) {
      expectCamaraError(await check({ phoneNumber, specifiedDate: "2024-01-01" }), 400, "INVALID_ARGUMENT");
    }
  });

  it("@checkNumberRecycling_C02.02_phone_number_not_found", async () => {
    const { check } = await camara();
    // A real number no carrier in the registry answers for; a pattern-valid string that is no number.
    for (const phoneNumber of ["+447911123456", "+8613812345678", "+12345"]) {
      const response = await check({ phoneNumber, specifiedDate: "2024-01-01" });
      expectCamaraError(response, 404, "IDENTIFIER_NOT_FOUND");
      expect(response.json.message).toBe("Phone number not found.");
    }
  });

  it("@checkNumberRecycling_C02.04_missing_phone_number", async () => {
    const { check } = await camara();
    const response = await check({ specifiedDate: "2024-01-01" });
    expectCamaraError(response, 422, "MISSING_IDENTIFIER");
    expect(response.json.message).toBe("The phone number cannot be identified");
  });

  it("@checkNumberRecycling_C02.05_phone_number_not_supported: a date before the carrier's reports", async () => {
    const { check } = await camara();
    // Reports complete from 2023-10-01 09:00 UTC: changes after 2023-09-30 are not all known.
    const response = await check({ phoneNumber: N, specifiedDate: "2023-09-30" });
    expectCamaraError(response, 422, "SERVICE_NOT_APPLICABLE");
    expect(response.json.message).toMatch(/^The service is not available for the provided phone number.*2023-10-01/);
    expectAnswer(await check({ phoneNumber: N, specifiedDate: "2023-10-01" }), true);
  });
});

describe("CAMARA Number Recycling: what the definition asks beyond the scenarios", () => {
  it("counts a change from 00:00 UTC of the day after specifiedDate", async () => {
    const { check, report } = await camara();
    const midnight = "+8613900000002";
    const lastMillisecond = "+8613900000003";
    await report([
      { id: "m", phone_number: midnight, type: "reassigned", occurred_at: "2024-09-21T00:00:00.000Z" },
      { id: "l", phone_number: lastMillisecond, type: "reassigned", occurred_at: "2024-09-21T23:59:59.999Z" },
    ]);
    expectAnswer(await check({ phoneNumber: midnight, specifiedDate: "2024-09-20" }), true);
    expectAnswer(await check({ phoneNumber: midnight, specifiedDate: "2024-09-21" }), false);
    expectAnswer(await check({ phoneNumber: lastMillisecond, specifiedDate: "2024-09-20" }), true);
    expectAnswer(await check({ phoneNumber: lastMillisecond, specifiedDate: "2024-09-21" }), false);
  });

  it("reads dates as UTC days, whatever the carrier's time zone", async () => {
    const { check, report } = await camara();
    const beijing = "+8613900000004";
    // 02:00 on 2024-09-21 in Beijing is still 2024-09-20 in UTC: a change on the specified date.
    await report([{ id: "b", phone_number: beijing, type: "reassigned", occurred_at: "2024-09-21T02:00:00+08:00" }]);
    expectAnswer(await check({ phoneNumber: beijing, specifiedDate: "2024-09-20" }), false);
    expectAnswer(await check({ phoneNumber: beijing, specifiedDate: "2024-09-19" }), true);
  });

  it("a port is not a change of subscriber", async () => {
    const { h, check, report } = await camara();
    const other = await h.client("carrier", "other", { prefixes: ["+86130"] });
    h.setTime(TODAY + 1000);
    const moved = "+8613900000005";
    await report([
      { id: "p", phone_number: moved, type: "ported", occurred_at: "2024-10-01T00:00:00Z", to_carrier: other.id },
    ]);
    // The receiving carrier joined today: only from today on are both carriers' reports complete.
    expectAnswer(await check({ phoneNumber: moved, specifiedDate: "2024-11-02" }), false);
    expectCamaraError(await check({ phoneNumber: moved, specifiedDate: "2024-09-01" }), 422, "SERVICE_NOT_APPLICABLE");
  });

  it("follows a backfill: reports complete from midnight cover the day before", async () => {
    const { h, carrier, check } = await camara();
    const admin = await h.client("admin");
    const patched = await h.request("PATCH", `/v1/admin/clients/${carrier.id}`, {
      token: await admin.token(),
      json: { reporting_since: "2023-06-01T00:00:00Z" },
    });
    expect(patched.status).toBe(200);
    expectAnswer(await check({ phoneNumber: N, specifiedDate: "2023-05-31" }), true);
    expectCamaraError(await check({ phoneNumber: N, specifiedDate: "2023-05-30" }), 422, "SERVICE_NOT_APPLICABLE");
  });

  it("echoes x-correlator on every answer, and puts its own on answers to requests without one", async () => {
    const { h, check, token } = await camara({
      rateLimits: { off: false, byKind: { app: { count: 40, perMs: 60_000 } } },
    });
    const body = { phoneNumber: N, specifiedDate: "2023-12-22" };
    const answers = [
      await check(body),
      await check({ ...body, specifiedDate: "2099-01-01" }),
      await check(body, { token: null }),
      await check(body, { token: await (await h.client("carrier")).token() }),
      await check({ ...body, phoneNumber: "+447911123456" }),
      await check({ specifiedDate: "2023-12-22" }),
      await h.request("POST", PATH, {
        token,
        body: "x",
        headers: { "content-type": "text/plain", "x-correlator": XC },
      }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 400, 401, 403, 404, 422, 415]);
    for (const answer of answers) expect(answer.headers.get("x-correlator")).toBe(XC);
    for (const correlator of ["x".repeat(256), "<x>{y}:;./_-", "a/b"]) {
      const echoed = await check(body, { headers: { "x-correlator": correlator } });
      expect([echoed.status, echoed.headers.get("x-correlator")]).toEqual([200, correlator]);
    }
    // Not sent, or empty: the request's id, which the logs know too.
    const withoutCorrelator: Record<string, string>[] = [{}, { "x-correlator": "" }, { "x-request-id": "req-42" }];
    for (const headers of withoutCorrelator) {
      const response = await h.request("POST", PATH, { token, json: body, headers });
      expect(response.status).toBe(200);
      expect(response.headers.get("x-correlator")).toBe(response.headers.get("x-request-id"));
    }
  });

  it("refuses an x-correlator outside CAMARA's pattern, and does not repeat it", async () => {
    const { check } = await camara();
    for (const correlator of ["a b", "a+b", "x".repeat(257), "a@b", "a|b", "a\\b"]) {
      const response = await check(
        { phoneNumber: N, specifiedDate: "2023-12-22" },
        { headers: { "x-correlator": correlator } },
      );
      expectCamaraError(response, 400, "INVALID_ARGUMENT", null);
      expect(response.headers.get("x-correlator")).toBe(response.headers.get("x-request-id"));
    }
  });

  it("answers a budget past its end with 429 TOO_MANY_REQUESTS and when to retry", async () => {
    const { check } = await camara({ rateLimits: { off: false, byKind: { app: { count: 2, perMs: 1000 } } } });
    const body = { phoneNumber: N, specifiedDate: "2023-12-22" };
    expect((await check(body)).status).toBe(200);
    expect((await check(body)).status).toBe(200);
    const refused = await check(body);
    expectCamaraError(refused, 429, "TOO_MANY_REQUESTS");
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("ratelimit-policy")).toMatch(/^"client";q=2;w=1/);
  });

  it("answers other failures in CAMARA's body too: media type, size, unknown path, crash", async () => {
    const { h, check, token } = await camara();
    const headers = { "x-correlator": XC };
    const plain = await h.request("POST", PATH, {
      token,
      body: "{}",
      headers: { ...headers, "content-type": "text/plain" },
    });
    expectCamaraError(plain, 415, "UNSUPPORTED_MEDIA_TYPE");
    // CAMARA has no 413: a body past numbind's limit is no CAMARA request.
    const huge = await h.request("POST", PATH, {
      token,
      body: JSON.stringify({ phoneNumber: N, specifiedDate: "2023-12-22", pad: "x".repeat(1024 * 1024) }),
      headers: { ...headers, "content-type": "application/json" },
    });
    expectCamaraError(huge, 400, "INVALID_ARGUMENT");
    expectCamaraError(await h.request("GET", PATH, { token, headers }), 404, "NOT_FOUND");
    expectCamaraError(
      await h.request("POST", "/number-recycling/v0.2/nope", { token, json: {}, headers }),
      404,
      "NOT_FOUND",
    );
    await h.inEveryShard((orm) => orm.run(sql`drop table ${numbers}`));
    const crash = await check({ phoneNumber: N, specifiedDate: "2023-12-22" });
    expectCamaraError(crash, 500, "INTERNAL");
    expect(crash.json.message).toBe("Unknown server error. Typically a server bug.");
    expect(h.errors).toHaveLength(1);
  });

  it("serves an RS256 client (what CAMARA clients send) with a CAMARA answer", async () => {
    const { h, check } = await camara();
    const { privateKey } = await generateKeyPair("RS256", { modulusLength: 2048, extractable: true });
    const privateJwk = { ...(await exportJWK(privateKey)), kid: "rsa-1" };
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
    const admin = await h.client("admin");
    const created = await h.request("POST", "/v1/admin/clients", {
      token: await admin.token(),
      json: { kind: "app", name: "camara-sdk", jwks: { keys: [{ ...publicJwk, alg: "RS256" }] } },
    });
    expect(created.status, created.text).toBe(201);
    const assertion = await signClientAssertion({
      clientId: created.json.id,
      privateJwk,
      audience: `${ISSUER}/oauth/token`,
      now: h.now(),
      header: { alg: "RS256" },
    });
    const granted = await h.tokenRequest({
      grant_type: "client_credentials",
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
      scope: "dpv:FraudPreventionAndDetection number-recycling:check",
    });
    expect(granted.status, granted.text).toBe(200);
    expectAnswer(
      await check({ phoneNumber: N, specifiedDate: "2023-12-22" }, { token: granted.json.access_token }),
      true,
    );
  });

  it("is documented under its own tag with CAMARA's schemas and error bodies, not numbind's", async () => {
    const { h } = await camara();
    const document = (await h.request("GET", "/openapi.json")).json;
    const operation = document.paths[PATH].post;
    expect(operation).toMatchObject({
      operationId: "checkNumberRecycling",
      tags: ["Number Recycling (CAMARA)"],
      security: [{ openId: ["number-recycling:check"] }],
      requestBody: {
        content: { "application/json": { schema: { $ref: "#/components/schemas/CreateCheckNumRecycling" } } },
      },
    });
    expect(document.tags.map((tag: { name: string }) => tag.name)).toContain("Number Recycling (CAMARA)");
    expect(document.components.securitySchemes.openId).toMatchObject({ type: "openIdConnect" });
    expect(Object.keys(operation.responses)).toEqual(["200", "400", "401", "403", "404", "415", "422", "429", "500"]);
    for (const [status, response] of Object.entries<any>(operation.responses)) {
      expect(Object.keys(response.content), status).toEqual(["application/json"]);
      expect(response.headers["x-correlator"], status).toBeDefined();
      if (status !== "200")
        expect(JSON.stringify(response.content), status).toContain("#/components/schemas/ErrorInfo");
    }
    expect(operation.responses["422"].content["application/json"].schema.allOf[1].properties.code.enum).toEqual([
      "SERVICE_NOT_APPLICABLE",
      "MISSING_IDENTIFIER",
    ]);
    const schemas = document.components.schemas;
    expect(schemas.CheckNumRecyclingInfo).toMatchObject({
      required: ["phoneNumberRecycled"],
      properties: { phoneNumberRecycled: { type: "boolean" } },
    });
    expect(schemas.CreateCheckNumRecycling).toMatchObject({
      required: ["specifiedDate"],
      properties: { specifiedDate: { type: "string", format: "date" } },
    });
    expect(schemas.PhoneNumber).toMatchObject({ type: "string", pattern: "^\\+[1-9][0-9]{4,14}$" });
    expect(schemas.XCorrelator).toMatchObject({ type: "string", pattern: "^[a-zA-Z0-9-_:;.\\/<>{}]{0,256}$" });
    expect(schemas.ErrorInfo).toMatchObject({ required: ["status", "code", "message"] });
  });
});
