import { decodeJwt, decodeProtectedHeader, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { CLIENT_ALGORITHMS } from "../../src/auth/keys.js";
import { createHarness, type Harness, ISSUER, MINUTE, signJwt, type TestClient } from "../support/harness.js";

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

function clientCredentials(h: Harness, assertion: string, extra: Record<string, string> = {}) {
  return h.tokenRequest({
    grant_type: "client_credentials",
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: assertion,
    ...extra,
  });
}

describe("POST /oauth/token (client_credentials, private_key_jwt)", () => {
  it("issues an RFC 9068 access token with the kind's scopes", async () => {
    const h = await createHarness();
    const app = await h.client("app", "bank");
    const response = await clientCredentials(h, await app.assertion());
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.json).toMatchObject({
      token_type: "Bearer",
      expires_in: 600,
      scope: "bindings events webhooks numbers:check-recycled number-recycling:check",
    });
    const header = decodeProtectedHeader(response.json.access_token);
    expect(header).toMatchObject({ alg: "EdDSA", typ: "at+jwt", kid: h.signingKey.kid });
    const claims = decodeJwt(response.json.access_token);
    expect(claims).toMatchObject({
      iss: ISSUER,
      aud: ISSUER,
      sub: app.id,
      client_id: app.id,
      scope: "bindings events webhooks numbers:check-recycled number-recycling:check",
    });
    expect(claims.exp! - claims.iat!).toBe(600);
    expect(typeof claims.jti).toBe("string");
  });

  it("accepts what standard client libraries send: client_id, nbf, typ, the Ed25519 alg name, ES256 keys", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    const iat = Math.floor(h.now() / 1000);
    for (const [overrides, header] of [
      [{ nbf: iat }, { typ: "JWT" }],
      [{}, { typ: "client-authentication+jwt" }],
      [{}, { alg: "Ed25519" }],
    ] as const) {
      const response = await clientCredentials(h, await app.assertion(overrides, header), { client_id: app.id });
      expect(response.status, JSON.stringify(header)).toBe(200);
    }
    const es = await h.client("carrier", "es-carrier", { alg: "ES256", prefixes: ["+86188"] });
    expect((await clientCredentials(h, await es.assertion())).json.scope).toBe("numbers numbers:check-recycled");
  });

  it("narrows to a requested subset of scopes and refuses others", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    const narrowed = await clientCredentials(h, await app.assertion(), { scope: "events" });
    expect(narrowed.json.scope).toBe("events");
    const refused = await clientCredentials(h, await app.assertion(), { scope: "events admin" });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toBe("invalid_scope");
    expect(refused.json.error_description).toMatch(/"admin" is not one of them/);
  });

  it("reads a CAMARA purpose (dpv:...) for the scopes it names, and keeps only numbind's scopes", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    for (const scope of [
      "dpv:FraudPreventionAndDetection number-recycling:check", // ICM r3.3
      "dpv:FraudPreventionAndDetection#number-recycling", // earlier ICM: purpose#API name
      "dpv:FraudPreventionAndDetection#number-recycling:check", // earlier ICM: purpose#scope
    ]) {
      const response = await clientCredentials(h, await app.assertion(), { scope });
      expect(response.status, scope).toBe(200);
      expect(response.json.scope, scope).toBe("number-recycling:check");
    }
    const twoPurposes = await clientCredentials(h, await app.assertion(), {
      scope: "dpv:FraudPreventionAndDetection dpv:Marketing number-recycling:check",
    });
    expect(twoPurposes).toMatchObject({ status: 400, json: { error: "invalid_scope" } });
    expect(twoPurposes.json.error_description).toMatch(/at most one purpose/);
    const carrier = await h.client("carrier", "purpose-carrier", { prefixes: ["+86177"] });
    const notTheirs = await clientCredentials(h, await carrier.assertion(), {
      scope: "dpv:FraudPreventionAndDetection#number-recycling",
    });
    expect(notTheirs).toMatchObject({ status: 400, json: { error: "invalid_scope" } });
  });

  it("accepts aud = the token endpoint's URL as well as the issuer, and names both when aud is neither", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    for (const aud of [ISSUER, `${ISSUER}/oauth/token`, ["https://elsewhere.test", `${ISSUER}/oauth/token`]]) {
      const response = await clientCredentials(h, await app.assertion({ aud }));
      expect(response.status, JSON.stringify(aud)).toBe(200);
    }
    const refused = await clientCredentials(h, await app.assertion({ aud: `${ISSUER}/token` }));
    expect(refused).toMatchObject({ status: 401, json: { error: "invalid_client" } });
    expect(refused.json.error_description).toBe(
      `the assertion's aud must be "${ISSUER}" or "${ISSUER}/oauth/token"; it is "${ISSUER}/token"`,
    );
  });

  it("accepts an assertion without iat while its exp is at most 5 minutes away", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    const now = Math.floor(h.now() / 1000);
    const accepted = await clientCredentials(h, await app.assertion({ iat: undefined, exp: now + 300 }));
    expect(accepted.status).toBe(200);
    const tooLong = await clientCredentials(h, await app.assertion({ iat: undefined, exp: now + 3600 }));
    expect(tooLong).toMatchObject({ status: 401, json: { error: "invalid_client" } });
    expect(tooLong.json.error_description).toMatch(/exp is 3600 seconds away; at most 300/);
  });

  describe("refuses forged or misused assertions with invalid_client", () => {
    const cases: [string, (h: Harness, app: TestClient) => Promise<string>][] = [
      [
        "alg none",
        async (_h, app) => {
          const iat = Math.floor(Date.now() / 1000);
          const encode = (value: unknown) =>
            btoa(JSON.stringify(value)).replaceAll("=", "").replaceAll("+", "-").replaceAll("/", "_");
          return `${encode({ alg: "none" })}.${encode({ iss: app.id, sub: app.id, aud: ISSUER, iat, exp: iat + 60, jti: "x" })}.`;
        },
      ],
      [
        "HS256 keyed with the client's public key",
        async (h, app) => {
          const iat = Math.floor(h.now() / 1000);
          const { d: _d, ...pub } = app.privateJwk;
          return new SignJWT({ iss: app.id, sub: app.id, aud: ISSUER, iat, exp: iat + 60, jti: crypto.randomUUID() })
            .setProtectedHeader({ alg: "HS256", kid: app.privateJwk.kid })
            .sign(new TextEncoder().encode(JSON.stringify(pub)));
        },
      ],
      ["wrong aud", (_h, app) => app.assertion({ aud: "https://elsewhere.test" })],
      [
        "expired",
        (h, app) => app.assertion({ iat: Math.floor(h.now() / 1000) - 600, exp: Math.floor(h.now() / 1000) - 300 }),
      ],
      ["exp more than 5 minutes after iat", (h, app) => app.assertion({ exp: Math.floor(h.now() / 1000) + 301 })],
      ["iss ≠ sub", (_h, app) => app.assertion({ sub: "someone-else" })],
      ["missing jti", (_h, app) => app.assertion({ jti: undefined })],
      ["unknown client", (_h, app) => app.assertion({ iss: "app_unknown", sub: "app_unknown" })],
      [
        "a key that is not registered",
        async (h, app) => {
          const stranger = await h.client("app");
          const iat = Math.floor(h.now() / 1000);
          return signJwt(
            stranger.privateJwk,
            { iss: app.id, sub: app.id, aud: ISSUER, iat, exp: iat + 60, jti: crypto.randomUUID() },
            { kid: app.privateJwk.kid },
          );
        },
      ],
      ["an unexpected typ", (_h, app) => app.assertion({}, { typ: "at+jwt" })],
    ];
    for (const [name, forge] of cases) {
      it(name, async () => {
        const h = await createHarness();
        const app = await h.client("app");
        const response = await clientCredentials(h, await forge(h, app));
        expect(response.status).toBe(401);
        expect(response.json.error).toBe("invalid_client");
        expect(typeof response.json.error_description).toBe("string");
      });
    }
  });

  it("refuses a replayed jti, while the assertion could still be accepted", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    const assertion = await app.assertion();
    expect((await clientCredentials(h, assertion)).status).toBe(200);
    h.advance(30_000);
    const replay = await clientCredentials(h, assertion);
    expect(replay.status).toBe(401);
    expect(replay.json.error_description).toMatch(/replay/);
  });

  it("refuses a disabled client and a client_id that is not the assertion's", async () => {
    const h = await createHarness();
    const admin = await h.client("admin");
    const app = await h.client("app");
    const other = await h.client("app");
    expect((await clientCredentials(h, await app.assertion(), { client_id: other.id })).json.error).toBe(
      "invalid_client",
    );
    await h.request("PATCH", `/v1/admin/clients/${app.id}`, { token: await admin.token(), json: { disabled: true } });
    const response = await clientCredentials(h, await app.assertion());
    expect(response.status).toBe(401);
    expect(response.json.error_description).toMatch(/disabled/);
  });

  it("answers RFC 6749 errors for malformed requests", async () => {
    const h = await createHarness();
    const unsupported = await h.tokenRequest({ grant_type: "password", username: "a", password: "b" });
    expect(unsupported).toMatchObject({ status: 400, json: { error: "unsupported_grant_type" } });
    expect((await h.tokenRequest({})).json.error).toBe("invalid_request");
    const json = await h.request("POST", "/oauth/token", { json: { grant_type: "client_credentials" } });
    expect(json).toMatchObject({ status: 400, json: { error: "invalid_request" } });
    const noAssertion = await h.tokenRequest({ grant_type: "client_credentials" });
    expect(noAssertion).toMatchObject({ status: 401, json: { error: "invalid_client" } });
    const repeated = await h.request("POST", "/oauth/token", {
      body: "grant_type=client_credentials&grant_type=client_credentials",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(repeated.json.error).toBe("invalid_request");
    const notUtf8 = await h.app.request("/oauth/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new Uint8Array([...new TextEncoder().encode("grant_type=client_credentials&scope="), 0xff, 0xfe]),
    });
    expect(notUtf8.status).toBe(400);
    expect(await notUtf8.json()).toMatchObject({ error: "invalid_request", error_description: /UTF-8/ });
  });
});

describe("discovery", () => {
  it("publishes public keys only, and every configured key", async () => {
    const h = await createHarness();
    const { keys } = await h.jwks();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", kid: h.signingKey.kid, alg: "EdDSA" });
    expect(keys[0]).not.toHaveProperty("d");
  });

  it("serves RFC 8414 metadata that points at itself, and the same document for OpenID Connect Discovery", async () => {
    const h = await createHarness();
    const oauth = await h.request("GET", "/.well-known/oauth-authorization-server");
    expect(oauth.json).toEqual({
      issuer: ISSUER,
      token_endpoint: `${ISSUER}/oauth/token`,
      jwks_uri: `${ISSUER}/.well-known/jwks.json`,
      grant_types_supported: ["client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer"],
      token_endpoint_auth_methods_supported: ["private_key_jwt"],
      token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ALGORITHMS],
      scopes_supported: expect.arrayContaining(["bindings", "number-recycling:check", "numbers", "admin", "me"]),
      response_types_supported: [],
      subject_types_supported: ["public"],
    });
    // OIDC Discovery §4: issuer must equal the URL the document was fetched under, minus the well-known path.
    const oidc = await h.request("GET", "/.well-known/openid-configuration");
    expect(oidc.status).toBe(200);
    expect(oidc.headers.get("content-type")).toMatch(/^application\/json/);
    expect(oidc.json).toEqual(oauth.json);
    expect(oidc.json).not.toHaveProperty("authorization_endpoint");
  });
});

describe("tokens across a key rotation", () => {
  it("verifies tokens signed by any configured key; the first one signs", async () => {
    const { generateSigningJwk } = await import("../../src/auth/keys.js");
    const older = await generateSigningJwk();
    const h = await createHarness();
    const app = await h.client("app");
    const token = await app.token();
    // A second app over the same database, with a new first key and the old one kept for verification.
    const { createApp } = await import("../../src/app.js");
    const rotated = createApp({
      db: h.db,
      shards: h.shards,
      clock: h.now,
      config: { ...h.config, signingKeys: { keys: [older, h.signingKey] } },
    });
    const response = await rotated.request("/v1/events", { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(((await (await rotated.request("/.well-known/jwks.json")).json()) as { keys: unknown[] }).keys).toHaveLength(
      2,
    );
    h.advance(MINUTE);
  });
});
