import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { generateSigningJwk } from "../../src/auth/keys.js";
import { createHarness, ISSUER, MINUTE, signJwt } from "../support/harness.js";

function expectProblem(response: { status: number; headers: Headers; json: any }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(response.json).toMatchObject({
    status,
    code,
    type: expect.stringContaining("/problems/"),
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(response.json.request_id).toBe(response.headers.get("x-request-id"));
}

describe("access tokens on /v1", () => {
  it("401 with WWW-Authenticate for a missing, malformed, expired, tampered, foreign or mistyped token", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    const good = await app.token();
    const [head, payload, signature] = good.split(".") as [string, string, string];
    const claims = JSON.parse(atob(payload.replaceAll("-", "+").replaceAll("_", "/")));
    const tampered = `${head}.${btoa(JSON.stringify({ ...claims, scope: "admin" }))
      .replaceAll("=", "")
      .replaceAll("+", "-")
      .replaceAll("/", "_")}.${signature}`;
    const foreignKey = await generateSigningJwk();
    const now = Math.floor(h.now() / 1000);
    const base = {
      iss: ISSUER,
      aud: ISSUER,
      sub: app.id,
      client_id: app.id,
      client_kind: "app",
      scope: "bindings",
      iat: now,
      exp: now + 600,
      jti: "j",
    };
    const foreign = await signJwt(foreignKey, base, { typ: "at+jwt", kid: h.signingKey.kid });
    const mistyped = await signJwt(h.signingKey, base, { typ: "JWT" });
    const wrongAudience = await signJwt(h.signingKey, { ...base, aud: "https://other.test" }, { typ: "at+jwt" });
    const assertionAsToken = await app.assertion();
    for (const [name, header] of [
      ["missing", undefined],
      ["not bearer", `Basic ${btoa("a:b")}`],
      ["malformed", "Bearer not-a-jwt"],
      ["tampered", `Bearer ${tampered}`],
      ["foreign key", `Bearer ${foreign}`],
      ["wrong typ", `Bearer ${mistyped}`],
      ["wrong aud", `Bearer ${wrongAudience}`],
      ["a client assertion", `Bearer ${assertionAsToken}`],
    ] as const) {
      const response = await h.request("GET", "/v1/events", { headers: header ? { authorization: header } : {} });
      expectProblem(response, 401, "UNAUTHENTICATED");
      expect(response.headers.get("www-authenticate"), name).toMatch(/^Bearer/);
    }
    expect((await h.request("GET", "/v1/events", { token: good })).status).toBe(200);
    h.advance(11 * MINUTE);
    const expired = await h.request("GET", "/v1/events", { token: good });
    expectProblem(expired, 401, "UNAUTHENTICATED");
    expect(expired.json.detail).toMatch(/expired/);
  });

  it("403 PERMISSION_DENIED for a missing scope", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    const narrow = await app.token("events");
    expectProblem(
      await h.request("PUT", "/v1/bindings", {
        token: narrow,
        json: { phone_number: "+8613912345678", account_ref: "a" },
      }),
      403,
      "PERMISSION_DENIED",
    );
    expectProblem(await h.request("GET", "/v1/admin/clients", { token: narrow }), 403, "PERMISSION_DENIED");
    const carrier = await h.client("carrier", "c", { prefixes: ["+86139"] });
    expectProblem(await h.request("GET", "/v1/bindings", { token: await carrier.token() }), 403, "PERMISSION_DENIED");
  });

  it("a disabled client's tokens stop working at once here and within 5 seconds elsewhere", async () => {
    const h = await createHarness();
    const admin = await h.client("admin");
    const app = await h.client("app");
    const other = await h.client("app");
    const token = await app.token();
    const otherToken = await other.token();
    expect((await h.request("GET", "/v1/events", { token })).status).toBe(200);
    await h.request("PATCH", `/v1/admin/clients/${app.id}`, { token: await admin.token(), json: { disabled: true } });
    expectProblem(await h.request("GET", "/v1/events", { token }), 401, "UNAUTHENTICATED");
    // Disabled behind this process's back (another process, the CLI): the status cache forgets within seconds.
    expect((await h.request("GET", "/v1/events", { token: otherToken })).status).toBe(200);
    const { clients } = await import("../../src/db/control-schema.js");
    const { eq } = await import("drizzle-orm");
    await h.db.orm.update(clients).set({ disabled: true }).where(eq(clients.id, other.id));
    h.advance(5_000);
    expectProblem(await h.request("GET", "/v1/events", { token: otherToken }), 401, "UNAUTHENTICATED");
  });
});

describe("one error model", () => {
  it("unknown routes are 404 NOT_FOUND problems", async () => {
    const h = await createHarness();
    expectProblem(await h.request("GET", "/nope"), 404, "NOT_FOUND");
  });

  it("malformed JSON is 400, a non-JSON content type 415, a body over 1 MiB 413", async () => {
    const h = await createHarness();
    const token = await (await h.client("app")).token();
    const malformed = await h.request("PUT", "/v1/bindings", {
      token,
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    expectProblem(malformed, 400, "INVALID_ARGUMENT");
    const text = await h.request("PUT", "/v1/bindings", {
      token,
      body: "phone_number=1",
      headers: { "content-type": "text/plain" },
    });
    expectProblem(text, 415, "UNSUPPORTED_MEDIA_TYPE");
    const none = await h.request("PUT", "/v1/bindings", { token, body: "{}" });
    expectProblem(none, 415, "UNSUPPORTED_MEDIA_TYPE");
    const huge = await h.request("PUT", "/v1/bindings", {
      token,
      json: { phone_number: "+8613912345678", account_ref: "x".repeat(1024 * 1024) },
    });
    expectProblem(huge, 413, "PAYLOAD_TOO_LARGE");
  });

  it("the token endpoint answers every failure as an RFC 6749 error, the body limit included", async () => {
    const h = await createHarness();
    const huge = await h.request("POST", "/oauth/token", {
      body: `grant_type=client_credentials&pad=${"x".repeat(1024 * 1024)}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(huge.status).toBe(413);
    expect(huge.headers.get("content-type")).toMatch(/^application\/json/);
    expect(huge.json).toEqual({ error: "invalid_request", error_description: expect.stringContaining("limited") });
  });

  it("documents each route's errors from its definition: validation, auth, body, and 500 everywhere", async () => {
    const h = await createHarness();
    const paths = (await h.request("GET", "/openapi.json")).json.paths as Record<
      string,
      Record<string, { responses: Record<string, unknown>; requestBody?: unknown; security?: unknown }>
    >;
    // The id in the path is validated, so its 400 is part of the contract.
    expect(Object.keys(paths["/v1/bindings/{id}"]!.get!.responses)).toEqual(
      expect.arrayContaining(["200", "400", "401", "403", "404", "500"]),
    );
    // A route without params, query or body has no 400 to document, and no body limits.
    expect(Object.keys(paths["/v1/me/bindings"]!.get!.responses)).not.toContain("400");
    expect(Object.keys(paths["/v1/me/bindings"]!.get!.responses)).not.toContain("413");
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const statuses = Object.keys(operation.responses);
        expect(statuses, `${method} ${path}`).toContain("500");
        if (operation.requestBody && path.startsWith("/v1/"))
          expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(["400", "413", "415"]));
        if (operation.security) expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(["401", "403"]));
      }
    }
  });

  it("echoes a sane X-Request-Id and replaces an insane one", async () => {
    const h = await createHarness();
    const sane = await h.request("GET", "/healthz", { headers: { "x-request-id": "req-123.abc" } });
    expect(sane.headers.get("x-request-id")).toBe("req-123.abc");
    const insane = await h.request("GET", "/healthz", { headers: { "x-request-id": "bad id\u0001<script>" } });
    expect(insane.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(sane.json).toEqual({ status: "ok" });
  });

  it("a crash is a 500 INTERNAL without internals", async () => {
    const h = await createHarness();
    const token = await (await h.client("app")).token();
    const { bindings } = await import("../../src/db/shard-schema.js");
    const { sql } = await import("drizzle-orm");
    await h.inEveryShard((orm) => orm.run(sql`drop table ${bindings}`));
    const response = await h.request("GET", "/v1/bindings", { token });
    expectProblem(response, 500, "INTERNAL");
    expect(response.text).not.toMatch(/bindings|sqlite|SQL|stack/i);
    expect(h.errors).toHaveLength(1);
  });

  it("serves the OpenAPI document and the interactive reference", async () => {
    const h = await createHarness();
    const spec = await h.request("GET", "/openapi.json");
    expect(spec.json.openapi).toBe("3.1.0");
    expect(Object.keys(spec.json.paths)).toEqual(
      expect.arrayContaining(["/v1/bindings", "/oauth/token", "/v1/admin/clients"]),
    );
    const docs = await h.request("GET", "/docs");
    expect(docs.status).toBe(200);
    expect(docs.text).toMatch(/openapi\.json/);
  });
});

describe("operator API", () => {
  it("registers, lists, renames and disables clients, and audits it", async () => {
    const h = await createHarness();
    const admin = await h.client("admin");
    const token = await admin.token();
    const key = await generateSigningJwk();
    const { d: _d, ...pub } = key;
    const created = await h.request("POST", "/v1/admin/clients", {
      token,
      json: { kind: "carrier", name: "China Mobile", jwks: { keys: [pub] }, number_prefixes: ["+86139", "+86138"] },
    });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      id: expect.stringMatching(/^carrier_/),
      kind: "carrier",
      name: "China Mobile",
      number_prefixes: ["+86139", "+86138"],
      disabled: false,
      person_sign_in_url: null,
      // A carrier reports from the day it joins unless the operator says otherwise.
      reporting_since: "2026-01-15T00:00:00.000Z",
      rate_limit: null,
      jwks: { keys: [expect.objectContaining({ kid: pub.kid, x: pub.x })] },
      created_at: "2026-01-15T00:00:00.000Z",
    });
    const patched = await h.request("PATCH", `/v1/admin/clients/${created.json.id}`, {
      token,
      json: {
        name: "CMCC",
        disabled: true,
        person_sign_in_url: "https://login.carrier.example/numbind",
        reporting_since: "2025-06-01T00:00:00Z",
        rate_limit: "300/s",
      },
    });
    expect(patched.json).toMatchObject({
      name: "CMCC",
      disabled: true,
      person_sign_in_url: "https://login.carrier.example/numbind",
      reporting_since: "2025-06-01T00:00:00.000Z",
      rate_limit: "300/s",
    });
    const cleared = await h.request("PATCH", `/v1/admin/clients/${created.json.id}`, {
      token,
      json: { person_sign_in_url: null, rate_limit: null },
    });
    expect(cleared.json).toMatchObject({
      person_sign_in_url: null,
      rate_limit: null,
      reporting_since: "2025-06-01T00:00:00.000Z",
    });
    for (const [member, value] of [
      ["rate_limit", "fast"],
      ["person_sign_in_url", "javascript:alert(1)"],
    ] as const) {
      const refused = await h.request("PATCH", `/v1/admin/clients/${created.json.id}`, {
        token,
        json: { [member]: value },
      });
      expectProblem(refused, 400, "INVALID_ARGUMENT");
    }
    const app = await h.request("POST", "/v1/admin/clients", {
      token,
      json: { kind: "app", name: "Bank", jwks: { keys: [pub] }, person_sign_in_url: "https://bank.example/login" },
    });
    expectProblem(app, 400, "INVALID_ARGUMENT");
    expect(app.json.errors[0].pointer).toBe("/person_sign_in_url");
    const list = await h.request("GET", "/v1/admin/clients?limit=100", { token });
    expect(list.json.items.map((c: { id: string }) => c.id)).toContain(created.json.id);
    expectProblem(
      await h.request("PATCH", "/v1/admin/clients/app_nobody", { token, json: { name: "x" } }),
      404,
      "NOT_FOUND",
    );
    const audit = await h.request("GET", "/v1/admin/audit", { token });
    expect(audit.json.items.map((e: { action: string }) => e.action)).toEqual([
      "client.created",
      "client.updated",
      "client.updated",
    ]);
    expect(audit.json.items[0]).toMatchObject({
      actor_kind: "admin",
      actor_id: admin.id,
      detail: { client_id: created.json.id },
    });
    const first = await h.request("GET", "/v1/admin/audit?limit=2", { token });
    const second = await h.request("GET", `/v1/admin/audit?limit=2&cursor=${first.json.next_cursor}`, { token });
    expect(second.json.items.map((e: { action: string }) => e.action)).toEqual(["client.updated"]);
    expect(second.json.next_cursor).toBeNull();
  });

  it("refuses a private JWKS, keys without kid, unknown key types, bad prefixes and a taken prefix", async () => {
    const h = await createHarness();
    const token = await (await h.client("admin")).token();
    const key = await generateSigningJwk();
    const { d: _d, ...pub } = key;
    const attempt = (json: unknown) => h.request("POST", "/v1/admin/clients", { token, json });
    const refusedPrivate = await attempt({ kind: "app", name: "a", jwks: { keys: [key] } });
    expectProblem(refusedPrivate, 400, "INVALID_ARGUMENT");
    expect(refusedPrivate.json.detail).toMatch(/private/);
    expectProblem(
      await attempt({ kind: "app", name: "a", jwks: { keys: [{ ...pub, kid: undefined }] } }),
      400,
      "INVALID_ARGUMENT",
    );
    expectProblem(
      await attempt({ kind: "app", name: "a", jwks: { keys: [{ kty: "RSA", n: "x", e: "AQAB", kid: "r" }] } }),
      400,
      "INVALID_ARGUMENT",
    );
    expectProblem(
      await attempt({ kind: "app", name: "a", jwks: { keys: [{ kty: "oct", k: "c2VjcmV0", kid: "s" }] } }),
      400,
      "INVALID_ARGUMENT",
    );
    expectProblem(
      await attempt({ kind: "carrier", name: "c", jwks: { keys: [pub] }, number_prefixes: ["86139"] }),
      400,
      "INVALID_ARGUMENT",
    );
    expectProblem(
      await attempt({ kind: "app", name: "a", jwks: { keys: [pub] }, number_prefixes: ["+86139"] }),
      400,
      "INVALID_ARGUMENT",
    );
    expect(
      (await attempt({ kind: "carrier", name: "c1", jwks: { keys: [pub] }, number_prefixes: ["+86139"] })).status,
    ).toBe(201);
    expectProblem(
      await attempt({ kind: "carrier", name: "c2", jwks: { keys: [pub] }, number_prefixes: ["+86139"] }),
      409,
      "CONFLICT",
    );
    expectProblem(await attempt({ kind: "robot", name: "r", jwks: { keys: [pub] } }), 400, "INVALID_ARGUMENT");
  });

  it("a new key registered by PATCH authenticates; the replaced one no longer does", async () => {
    const h = await createHarness();
    const token = await (await h.client("admin")).token();
    const app = await h.client("app");
    const next = await generateSigningJwk();
    const { d: _d, ...pub } = next;
    expect(
      (await h.request("PATCH", `/v1/admin/clients/${app.id}`, { token, json: { jwks: { keys: [pub] } } })).status,
    ).toBe(200);
    const iat = Math.floor(h.now() / 1000);
    const signed = (jwk: typeof next) =>
      signJwt(jwk, { iss: app.id, sub: app.id, aud: ISSUER, iat, exp: iat + 60, jti: crypto.randomUUID() });
    const form = async (assertion: string) =>
      h.tokenRequest({
        grant_type: "client_credentials",
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: assertion,
      });
    expect((await form(await signed(next))).status).toBe(200);
    expect((await form(await signed(app.privateJwk))).status).toBe(401);
    void SignJWT;
  });
});
