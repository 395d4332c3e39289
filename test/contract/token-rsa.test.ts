import { base64url, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { CLIENT_ASSERTION_TYPE, signClientAssertion } from "../../src/client/assertion.js";
import { createHarness, type Harness, ISSUER } from "../support/harness.js";
import { N_1024, N_2047 } from "./rsa-moduli.js";

let rsaKey: JWK;

beforeAll(async () => {
  // One 2048-bit key for the whole file: generating RSA keys is slow, and a key is no shared state.
  const { privateKey } = await generateKeyPair("RS256", { modulusLength: 2048, extractable: true });
  rsaKey = { ...(await exportJWK(privateKey)), kid: "rsa-1" };
});

function publicPart(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...rest } = jwk;
  return rest;
}

async function registerClient(h: Harness, jwks: unknown, extra: Record<string, unknown> = {}) {
  const admin = await h.client("admin");
  return h.request("POST", "/v1/admin/clients", {
    token: await admin.token(),
    json: { kind: "app", name: `rsa-${crypto.randomUUID()}`, jwks, ...extra },
  });
}

/** Registers a client whose one key is the file's RSA key, the public JWK's alg set to `alg`. */
async function rsaClient(h: Harness, alg: "RS256" | "PS256" | undefined, extra: Record<string, unknown> = {}) {
  const response = await registerClient(h, { keys: [{ ...publicPart(rsaKey), ...(alg ? { alg } : {}) }] }, extra);
  expect(response.status, response.text).toBe(201);
  return response.json.id as string;
}

function token(h: Harness, clientId: string, alg: string, claims: Record<string, unknown> = {}) {
  return signClientAssertion({
    clientId,
    privateJwk: rsaKey,
    audience: ISSUER,
    now: h.now(),
    claims,
    header: { alg },
  }).then((assertion) =>
    h.tokenRequest({
      grant_type: "client_credentials",
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
    }),
  );
}

describe("RSA client keys (RS256, PS256)", () => {
  it("an RS256 client and a PS256 client get tokens; a key without alg serves both", async () => {
    const h = await createHarness();
    const rs256 = await rsaClient(h, "RS256");
    const ps256 = await rsaClient(h, "PS256");
    const either = await rsaClient(h, undefined);
    for (const [clientId, alg] of [
      [rs256, "RS256"],
      [ps256, "PS256"],
      [either, "RS256"],
      [either, "PS256"],
    ] as const) {
      const response = await token(h, clientId, alg);
      expect(response.status, `${alg}: ${response.text}`).toBe(200);
      expect(response.json.scope).toContain("number-recycling:check");
    }
  });

  it("pins a key to the alg it was registered with", async () => {
    const h = await createHarness();
    const rs256 = await rsaClient(h, "RS256");
    const response = await token(h, rs256, "PS256");
    expect(response).toMatchObject({ status: 401, json: { error: "invalid_client" } });
    expect(response.json.error_description).toBe(
      `no key registered for client "${rs256}" matches kid "rsa-1" and alg "PS256"`,
    );
  });

  it("refuses RS384, HS256 and alg none, naming the accepted algorithms", async () => {
    const h = await createHarness();
    const clientId = await rsaClient(h, undefined);
    const iat = Math.floor(h.now() / 1000);
    const claims = () => ({ iss: clientId, sub: clientId, aud: ISSUER, iat, exp: iat + 60, jti: crypto.randomUUID() });
    const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
    const forged: [string, string][] = [
      [
        "RS384",
        await signClientAssertion({
          clientId,
          privateJwk: rsaKey,
          audience: ISSUER,
          now: h.now(),
          header: { alg: "RS384" },
        }),
      ],
      [
        "HS256",
        // The classic confusion: the public modulus used as an HMAC secret.
        await new SignJWT(claims())
          .setProtectedHeader({ alg: "HS256", kid: "rsa-1" })
          .sign(base64url.decode(rsaKey.n!)),
      ],
      ["none", `${encode({ alg: "none", kid: "rsa-1" })}.${encode(claims())}.`],
    ];
    for (const [alg, assertion] of forged) {
      const response = await h.tokenRequest({
        grant_type: "client_credentials",
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: assertion,
      });
      expect(response.status, alg).toBe(401);
      expect(response.json.error).toBe("invalid_client");
      expect(response.json.error_description).toBe(
        `alg "${alg}" is not accepted; sign with one of EdDSA, Ed25519, ES256, RS256, PS256`,
      );
    }
  });

  it("a carrier signs people's assertions with an RSA key too", async () => {
    const h = await createHarness();
    const carrier = await rsaClient(h, "PS256", { kind: "carrier", number_prefixes: ["+86139"] });
    const assertion = await signClientAssertion({
      clientId: carrier,
      privateJwk: rsaKey,
      audience: ISSUER,
      subject: "tel:+8613912345678",
      now: h.now(),
      header: { alg: "PS256" },
    });
    const response = await h.tokenRequest({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion });
    expect(response.status, response.text).toBe(200);
    expect(response.json.scope).toBe("me");
  });

  it("every algorithm both metadata documents advertise gets a token", async () => {
    const h = await createHarness();
    const advertised = (await h.request("GET", "/.well-known/oauth-authorization-server")).json
      .token_endpoint_auth_signing_alg_values_supported as string[];
    const discovery = (await h.request("GET", "/.well-known/openid-configuration")).json;
    expect(discovery.token_endpoint_auth_signing_alg_values_supported).toEqual(advertised);
    const ed25519 = await h.client("app");
    const p256 = await h.client("app", "p256-app", { alg: "ES256" });
    const rsa = await rsaClient(h, undefined);
    for (const alg of advertised) {
      let response: Awaited<ReturnType<typeof token>>;
      if (alg.startsWith("RS") || alg.startsWith("PS")) response = await token(h, rsa, alg);
      else {
        const client = alg === "ES256" ? p256 : ed25519;
        response = await h.tokenRequest({
          grant_type: "client_credentials",
          client_assertion_type: CLIENT_ASSERTION_TYPE,
          client_assertion: await client.assertion({}, { alg }),
        });
      }
      expect(response.status, `${alg}: ${response.text}`).toBe(200);
    }
  });
});

describe("registering RSA keys", () => {
  const refusals: [string, () => JWK, RegExp][] = [
    [
      "a 1024-bit key",
      () => ({ kty: "RSA", kid: "k", e: "AQAB", n: N_1024 }),
      /1024-bit RSA key; RSA keys must have 2048 to 8192 bits/,
    ],
    [
      "a 2047-bit key",
      () => ({ kty: "RSA", kid: "k", e: "AQAB", n: N_2047 }),
      /2047-bit RSA key; RSA keys must have 2048/,
    ],
    [
      "a modulus with a leading zero octet",
      () => ({
        kty: "RSA",
        kid: "k",
        e: "AQAB",
        n: base64url.encode(new Uint8Array([0, ...base64url.decode(rsaKey.n!)])),
      }),
      /without leading zero octets/,
    ],
    ["a private key", () => ({ ...rsaKey }), /private or symmetric key/],
    ["an alg other than RS256 or PS256", () => ({ ...publicPart(rsaKey), alg: "RS512" }), /must be RS256 or PS256/],
    ["an exponent other than 65537", () => ({ ...publicPart(rsaKey), e: "Aw" }), /AQAB \(65537\)/],
    ["an encryption key", () => ({ ...publicPart(rsaKey), use: "enc" }), /register signing keys/],
  ];
  for (const [name, jwk, message] of refusals) {
    it(`refuses ${name} with a message that says why`, async () => {
      const h = await createHarness();
      const response = await registerClient(h, { keys: [jwk()] });
      expect(response.status).toBe(400);
      expect(response.json.code).toBe("INVALID_ARGUMENT");
      expect(response.json.detail).toMatch(message);
    });
  }
});
