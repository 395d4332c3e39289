import { describe, expect, it } from "vitest";
import { generateSigningJwk } from "../../src/auth/keys.js";
import { createHarness, ISSUER, MINUTE, signJwt } from "../support/harness.js";

const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

describe("token endpoint errors say what to do", () => {
  it("a person assertion's sub without tel: names the expected form", async () => {
    const h = await createHarness();
    const carrier = await h.client("carrier", "sub-carrier", { prefixes: ["+86139"] });
    for (const sub of ["+8613912345678", "13912345678", "tel:13912345678"]) {
      const response = await h.tokenRequest({ grant_type: JWT_BEARER, assertion: await carrier.assertion({ sub }) });
      expect(response.status, sub).toBe(400);
      expect(response.json).toEqual({
        error: "invalid_grant",
        error_description: `a person assertion's sub is the number as tel:+E164, like tel:+8613912345678`,
      });
    }
    const invalid = await h.tokenRequest({
      grant_type: JWT_BEARER,
      assertion: await carrier.assertion({ sub: "tel:+861391234" }),
    });
    expect(invalid.json.error_description).toBe("the number in the assertion's sub is not a valid phone number");
  });

  it("an expired assertion says it expired and when", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    const assertion = await app.assertion();
    h.advance(2 * MINUTE);
    const response = await h.tokenRequest({
      grant_type: "client_credentials",
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    });
    expect(response.status).toBe(401);
    const expiredAt = new Date(Math.floor((h.now() - 2 * MINUTE) / 1000) * 1000 + MINUTE).toISOString();
    expect(response.json.error_description).toBe(
      `the assertion expired at ${expiredAt}; sign a new one for each token request`,
    );
  });
});

describe("access token errors say what to do", () => {
  it("an expired access token says it expired, when, and where to get a new one", async () => {
    const h = await createHarness();
    const app = await h.client("app");
    const token = await app.token();
    const issuedAt = h.now();
    h.advance(11 * MINUTE);
    const response = await h.request("GET", "/v1/events", { token });
    expect(response.status).toBe(401);
    expect(response.json.code).toBe("UNAUTHENTICATED");
    expect(response.json.detail).toBe(
      `the access token expired at ${new Date(issuedAt + 10 * MINUTE).toISOString()}; get a new one from ${ISSUER}/oauth/token`,
    );
  });

  it("a token from another registry names its issuer and audience, and this registry", async () => {
    const h = await createHarness();
    const now = Math.floor(h.now() / 1000);
    const elsewhere = "https://registry.elsewhere.test";
    const token = await signJwt(
      await generateSigningJwk(),
      {
        iss: elsewhere,
        aud: `${elsewhere}/api`,
        sub: "app_1",
        client_id: "app_1",
        client_kind: "app",
        scope: "events",
        iat: now,
        exp: now + 600,
        jti: crypto.randomUUID(),
      },
      { typ: "at+jwt" },
    );
    const response = await h.request("GET", "/v1/events", { token });
    expect(response.status).toBe(401);
    expect(response.json.detail).toBe(
      `the access token was issued by "${elsewhere}" for "${elsewhere}/api"; this registry is "${ISSUER}": ` +
        `get a new one from ${ISSUER}/oauth/token`,
    );
    expect(response.json.detail).not.toContain(token.split(".")[2]);
  });

  it("a token that claims this registry but is signed by another key says so", async () => {
    const h = await createHarness();
    const now = Math.floor(h.now() / 1000);
    const forged = await signJwt(
      await generateSigningJwk(),
      {
        iss: ISSUER,
        aud: ISSUER,
        sub: "app_1",
        client_id: "app_1",
        client_kind: "app",
        scope: "events",
        iat: now,
        exp: now + 600,
        jti: "j",
      },
      { typ: "at+jwt" },
    );
    const response = await h.request("GET", "/v1/events", { token: forged });
    expect(response.status).toBe(401);
    expect(response.json.detail).toMatch(/not signed by a key this registry publishes/);
  });
});
