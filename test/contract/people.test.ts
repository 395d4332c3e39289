import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { createHarness, DAY, type Harness, ISSUER, signJwt, type TestClient } from "../support/harness.js";

const NUMBER = "+8613912345678";
const GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

function personAssertion(
  h: Harness,
  signer: TestClient,
  overrides: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
) {
  const iat = Math.floor(h.now() / 1000);
  return signJwt(
    signer.privateJwk,
    { iss: signer.id, sub: `tel:${NUMBER}`, aud: ISSUER, iat, exp: iat + 60, jti: crypto.randomUUID(), ...overrides },
    header,
  );
}

async function personToken(h: Harness, carrier: TestClient) {
  const response = await h.tokenRequest({ grant_type: GRANT, assertion: await personAssertion(h, carrier) });
  expect(response.status).toBe(200);
  return response.json.access_token as string;
}

async function put(h: Harness, app: TestClient, body: unknown) {
  return h.request("PUT", "/v1/bindings", { token: await app.bearer(), json: body });
}

describe("the person grant", () => {
  it("gives a me-only token that carries no plain number", async () => {
    const h = await createHarness();
    const carrier = await h.client("carrier", "c", { prefixes: ["+86139"] });
    const response = await h.tokenRequest({ grant_type: GRANT, assertion: await personAssertion(h, carrier) });
    expect(response.json).toMatchObject({ token_type: "Bearer", expires_in: 600, scope: "me" });
    expect(response.text).not.toContain("13912345678");
    const claims = decodeJwt(response.json.access_token);
    expect(claims).toMatchObject({
      iss: ISSUER,
      aud: ISSUER,
      client_id: carrier.id,
      scope: "me",
      phone_number_hint: "+86139****5678",
    });
    expect(claims.sub).toMatch(/^phone:/);
  });

  describe("refuses with invalid_grant", () => {
    const cases: [string, (h: Harness, carrier: TestClient, app: TestClient) => Promise<string>][] = [
      ["another carrier's number", (h, c) => personAssertion(h, c, { sub: "tel:+8613812345678" })],
      ["an app-signed assertion", (h, _c, app) => personAssertion(h, app)],
      [
        "a key that is not the carrier's",
        async (h, c, app) => {
          const iat = Math.floor(h.now() / 1000);
          return signJwt(
            app.privateJwk,
            { iss: c.id, sub: `tel:${NUMBER}`, aud: ISSUER, iat, exp: iat + 60, jti: "k" },
            { kid: c.privateJwk.kid },
          );
        },
      ],
      ["wrong aud", (h, c) => personAssertion(h, c, { aud: "https://elsewhere.test" })],
      ["a long exp", (h, c) => personAssertion(h, c, { exp: Math.floor(h.now() / 1000) + 3600 })],
      ["a sub that is not tel:+E164", (h, c) => personAssertion(h, c, { sub: NUMBER })],
      ["a national-form sub", (h, c) => personAssertion(h, c, { sub: "tel:13912345678" })],
      ["an invalid number", (h, c) => personAssertion(h, c, { sub: "tel:+8619412345678" })],
    ];
    for (const [name, forge] of cases) {
      it(name, async () => {
        const h = await createHarness();
        const carrier = await h.client("carrier", "c", { prefixes: ["+86139"] });
        await h.client("carrier", "other", { prefixes: ["+86138"] });
        const app = await h.client("app");
        const response = await h.tokenRequest({ grant_type: GRANT, assertion: await forge(h, carrier, app) });
        expect(response.status).toBe(400);
        expect(response.json.error).toBe("invalid_grant");
      });
    }

    it("a replayed jti", async () => {
      const h = await createHarness();
      const carrier = await h.client("carrier", "c", { prefixes: ["+86139"] });
      const assertion = await personAssertion(h, carrier);
      expect((await h.tokenRequest({ grant_type: GRANT, assertion })).status).toBe(200);
      expect((await h.tokenRequest({ grant_type: GRANT, assertion })).json.error).toBe("invalid_grant");
    });
  });

  it("keeps person and machine tokens apart both ways", async () => {
    const h = await createHarness();
    const carrier = await h.client("carrier", "c", { prefixes: ["+86139"] });
    const app = await h.client("app");
    const admin = await h.client("admin");
    const person = await personToken(h, carrier);
    for (const [method, path, json] of [
      ["PUT", "/v1/bindings", { phone_number: NUMBER, account_ref: "a" }],
      ["GET", "/v1/events", undefined],
      ["POST", "/v1/numbers/bindings", { phone_numbers: [NUMBER] }],
      ["GET", "/v1/admin/clients", undefined],
    ] as const) {
      expect((await h.request(method, path, { token: person, json })).json.code, path).toBe("PERMISSION_DENIED");
    }
    for (const machine of [await app.token(), await carrier.token(), await admin.token()]) {
      expect((await h.request("GET", "/v1/me/bindings", { token: machine })).json.code).toBe("PERMISSION_DENIED");
    }
    // A machine token cannot ask for "me", nor a carrier's person grant for other scopes.
    expect(
      (
        await h.tokenRequest({
          grant_type: "client_credentials",
          client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
          client_assertion: await carrier.assertion(),
          scope: "me",
        })
      ).json.error,
    ).toBe("invalid_scope");
    expect(
      (await h.tokenRequest({ grant_type: GRANT, assertion: await personAssertion(h, carrier), scope: "numbers" })).json
        .error,
    ).toBe("invalid_scope");
  });
});

describe("/v1/me/bindings", () => {
  it("lists the active bindings of the caller's number only, cuts one, tells the app, and blocks a silent re-bind", async () => {
    const h = await createHarness();
    const carrier = await h.client("carrier", "c", { prefixes: ["+86139"] });
    const bank = await h.client("app", "Bank");
    const shop = await h.client("app", "Shop");
    const mine = await put(h, bank, { phone_number: NUMBER, account_ref: "secret-ref" });
    await put(h, shop, { phone_number: NUMBER, account_ref: "shop-ref" });
    const notMine = await put(h, shop, { phone_number: "+8613900000000", account_ref: "neighbour" });
    const token = await personToken(h, carrier);

    const list = await h.request("GET", "/v1/me/bindings", { token });
    expect(list.status).toBe(200);
    expect(list.json.phone_number_hint).toBe("+86139****5678");
    expect(list.json.items.map((i: { app_name: string }) => i.app_name).sort()).toEqual(["Bank", "Shop"]);
    expect(list.json.items.find((i: { app_id: string }) => i.app_id === bank.id)).toEqual({
      id: mine.json.id,
      app_id: bank.id,
      app_name: "Bank",
      bound_at: "2026-01-15T00:00:00.000Z",
      // When the app last verified the number: a binding verified before the holder got it is not theirs.
      verified_at: "2026-01-15T00:00:00.000Z",
      last_seen_at: "2026-01-15T00:00:00.000Z",
      expires_at: "2026-04-15T00:00:00.000Z",
    });
    expect(list.text).not.toMatch(/secret-ref|shop-ref/);

    expect((await h.request("DELETE", `/v1/me/bindings/${notMine.json.id}`, { token })).status).toBe(404);
    h.advance(60_000);
    expect((await h.request("DELETE", `/v1/me/bindings/${mine.json.id}`, { token })).status).toBe(204);
    expect(
      (await h.request("GET", "/v1/me/bindings", { token })).json.items.map((i: { app_name: string }) => i.app_name),
    ).toEqual(["Shop"]);

    const events = (await h.request("GET", "/v1/events", { token: await bank.bearer() })).json.items;
    expect(events).toEqual([
      expect.objectContaining({
        type: "binding.unbound",
        data: expect.objectContaining({ binding_id: mine.json.id, reason: "USER_REQUEST" }),
      }),
    ]);
    h.advance(DAY);
    expect((await put(h, bank, { phone_number: NUMBER, account_ref: "secret-ref" })).json.code).toBe(
      "UNBOUND_BY_HOLDER",
    );
    const reverified = await put(h, bank, {
      phone_number: NUMBER,
      account_ref: "secret-ref",
      verified_at: new Date(h.now()).toISOString(),
    });
    expect(reverified.json).toMatchObject({ status: "active", id: mine.json.id });

    const admin = await h.client("admin");
    const audit = (await h.request("GET", "/v1/admin/audit?limit=100", { token: await admin.token() })).json.items;
    expect(
      audit.filter((e: { actor_kind: string }) => e.actor_kind === "person").map((e: { action: string }) => e.action),
    ).toEqual(["me.bindings_listed", "me.binding_unbound", "me.bindings_listed"]);
    expect(JSON.stringify(audit)).not.toContain("13912345678");
  });
});
