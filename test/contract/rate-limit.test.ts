import { describe, expect, it } from "vitest";
import { CLIENT_ASSERTION_TYPE } from "../../src/client/assertion.js";
import type { AppConfig } from "../../src/http/context.js";
import { createHarness, type Harness, ISSUER, signJwt, type TestClient } from "../support/harness.js";

const NUMBER = "+8613912345678";
const PERSON_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

const budgets = (byKind: NonNullable<AppConfig["rateLimits"]> & { off: false }): Partial<AppConfig> => ({
  rateLimits: byKind,
});

async function events(h: Harness, client: TestClient) {
  return h.request("GET", "/v1/events", { token: await client.bearer() });
}

function expectRateLimited(response: { status: number; headers: Headers; json: any }) {
  expect(response.status).toBe(429);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(response.json).toMatchObject({ status: 429, code: "RATE_LIMITED" });
  expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
}

describe("request budgets per client", () => {
  it("allows the budget, then 429 with Retry-After and the RateLimit fields, and refills with time", async () => {
    const h = await createHarness({ config: budgets({ off: false, byKind: { app: { count: 3, perMs: 1000 } } }) });
    const app = await h.client("app");
    await app.bearer();
    const first = await events(h, app);
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-policy")).toBe('"client";q=3;w=1');
    expect(first.headers.get("ratelimit")).toBe('"client";r=2;t=1');
    expect((await events(h, app)).status).toBe(200);
    expect((await events(h, app)).headers.get("ratelimit")).toBe('"client";r=0;t=1');
    const refused = await events(h, app);
    expectRateLimited(refused);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("ratelimit")).toBe('"client";r=0;t=1');
    expect(refused.json.request_id).toBe(refused.headers.get("x-request-id"));
    h.advance(334);
    expect((await events(h, app)).status).toBe(200);
    expect((await events(h, app)).status).toBe(429);
    h.advance(1000);
    for (let i = 0; i < 3; i++) expect((await events(h, app)).status).toBe(200);
  });

  it("keeps clients apart, uses each kind's default, and refuses before reading the body", async () => {
    const h = await createHarness({ config: budgets({ off: false, byKind: { app: { count: 1, perMs: 60_000 } } }) });
    const greedy = await h.client("app");
    const other = await h.client("app");
    const carrier = await h.client("carrier", "cmcc", { prefixes: ["+86139"] });
    const token = await greedy.bearer();
    const put = (body: string) =>
      h.request("PUT", "/v1/bindings", { token, body, headers: { "content-type": "application/json" } });
    expect((await put(JSON.stringify({ phone_number: NUMBER, account_ref: "a" }))).status).toBe(201);
    const refused = await put("{not json");
    expectRateLimited(refused);
    expect(refused.headers.get("ratelimit-policy")).toBe('"client";q=1;w=60');
    expect(refused.headers.get("retry-after")).toBe("60");
    expect((await events(h, other)).status).toBe(200);
    const carrierCall = await h.request("POST", "/v1/numbers/bindings", {
      token: await carrier.bearer(),
      json: { phone_numbers: [NUMBER] },
    });
    expect(carrierCall.status).toBe(200);
    expect(carrierCall.headers.get("ratelimit-policy")).toBe('"client";q=200;w=1');
  });

  it("applies the operator's per-client budget within seconds, `off` included", async () => {
    const h = await createHarness();
    const admin = await h.client("admin");
    const app = await h.client("app");
    expect((await events(h, app)).headers.get("ratelimit-policy")).toBe('"client";q=2000;w=1');
    const patch = async (rate_limit: string | null) =>
      h.request("PATCH", `/v1/admin/clients/${app.id}`, { token: await admin.bearer(), json: { rate_limit } });
    expect((await patch("2/min")).status).toBe(200);
    h.advance(5_000);
    expect((await events(h, app)).headers.get("ratelimit-policy")).toBe('"client";q=2;w=60');
    expect((await events(h, app)).status).toBe(200);
    expectRateLimited(await events(h, app));
    expect((await patch("off")).status).toBe(200);
    h.advance(5_000);
    for (let i = 0; i < 10; i++) {
      const response = await events(h, app);
      expect(response.status).toBe(200);
      expect(response.headers.get("ratelimit")).toBeNull();
    }
  });

  it("gives each person their own budget, whichever carrier signed them in", async () => {
    const h = await createHarness({ config: budgets({ off: false, byKind: { person: { count: 2, perMs: 1000 } } }) });
    const carrier = await h.client("carrier", "cmcc", { prefixes: ["+86139"] });
    const personToken = async (number: string) => {
      const iat = Math.floor(h.now() / 1000);
      const assertion = await signJwt(carrier.privateJwk, {
        iss: carrier.id,
        sub: `tel:${number}`,
        aud: ISSUER,
        iat,
        exp: iat + 60,
        jti: crypto.randomUUID(),
      });
      const response = await h.tokenRequest({ grant_type: PERSON_GRANT, assertion });
      expect(response.status).toBe(200);
      return response.json.access_token as string;
    };
    const mine = await personToken(NUMBER);
    const theirs = await personToken("+8613900000001");
    const me = (token: string) => h.request("GET", "/v1/me/bindings", { token });
    expect((await me(mine)).status).toBe(200);
    const second = await me(mine);
    expect(second.headers.get("ratelimit")).toBe('"person";r=0;t=1');
    expectRateLimited(await me(mine));
    expect((await me(theirs)).status).toBe(200);
  });

  it("switches every budget off with NUMBIND_RATE_LIMITS=off", async () => {
    const h = await createHarness({ config: { rateLimits: { off: true } } });
    const app = await h.client("app");
    // Every budgeted answer names its policy (above): none here, on the API or the token endpoint.
    for (let i = 0; i < 20; i++) {
      const response = await events(h, app);
      expect([response.status, response.headers.get("ratelimit-policy")]).toEqual([200, null]);
    }
    const token = await h.tokenRequest({ grant_type: "password" });
    expect([token.status, token.headers.get("ratelimit-policy")]).toEqual([400, null]);
  });

  it("documents 429 on every authenticated operation", async () => {
    const h = await createHarness();
    const document = (await h.request("GET", "/openapi.json")).json;
    const operations = Object.values(document.paths as Record<string, Record<string, any>>).flatMap((item) =>
      Object.values(item),
    );
    const authenticated = operations.filter((operation) => operation.security?.length);
    expect(authenticated.length).toBeGreaterThan(10);
    for (const operation of authenticated) expect(operation.responses["429"], operation.operationId).toBeDefined();
  });
});

describe("budgets at the token endpoint", () => {
  const clientCredentials = async (client: TestClient, assertion?: string) => ({
    grant_type: "client_credentials",
    client_assertion_type: CLIENT_ASSERTION_TYPE,
    client_assertion: assertion ?? (await client.assertion()),
  });

  it("counts token requests per client before checking the signature, apart from its API budget", async () => {
    const h = await createHarness({ config: budgets({ off: false, byKind: { app: { count: 2, perMs: 1000 } } }) });
    const app = await h.client("app");
    const other = await h.client("app");
    expect((await h.tokenRequest(await clientCredentials(app))).status).toBe(200);
    // A forged assertion in the client's name is refused, and still spends the client's budget.
    const forged = await signJwt(other.privateJwk, { iss: app.id, sub: app.id, aud: ISSUER, jti: "x" });
    expect((await h.tokenRequest(await clientCredentials(app, forged))).status).toBe(401);
    const refused = await h.tokenRequest(await clientCredentials(app));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("content-type")).toMatch(/^application\/json/);
    expect(refused.json).toMatchObject({ error: expect.any(String), error_description: expect.any(String) });
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("ratelimit-policy")).toBe('"token-address";q=1000;w=1, "token-client";q=2;w=1');
    expect(refused.headers.get("ratelimit")).toMatch(/^"token-address";r=\d+;t=1, "token-client";r=0;t=1$/);
    expect((await h.tokenRequest(await clientCredentials(other))).status).toBe(200);
    h.advance(500);
    expect((await h.tokenRequest(await clientCredentials(app))).status).toBe(200);
  });

  it("counts token requests per remote address, known or not", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    const form = { grant_type: "password" };
    let last = await h.tokenRequest(form);
    for (let i = 1; i < 1000; i++) last = await h.tokenRequest(form);
    expect(last.status).toBe(400);
    const refused = await h.tokenRequest(await clientCredentials(app));
    expect(refused.status).toBe(429);
    expect(refused.headers.get("ratelimit")).toBe('"token-address";r=0;t=1');
    h.advance(1000);
    expect((await h.tokenRequest(await clientCredentials(app))).status).toBe(200);
  });
});
