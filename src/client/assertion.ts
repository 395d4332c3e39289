import { importJWK, type JWK, SignJWT } from "jose";

export const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/**
 * The JWS algorithm a private JWK signs with, unless the JWK names its own: ES256 for P-256,
 * RS256 for RSA (what every OAuth server accepts; PS256 when the JWK says so), EdDSA for Ed25519.
 */
function algorithmFor(jwk: JWK): string {
  if (jwk.alg) return jwk.alg;
  if (jwk.kty === "RSA") return "RS256";
  return jwk.kty === "EC" ? "ES256" : "EdDSA";
}

/** Signs a JWT with a client's private JWK; the header names its kid. */
export async function signWithJwk(
  privateJwk: JWK,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const alg = (header.alg as string | undefined) ?? algorithmFor(privateJwk);
  // RFC 9864's fully-specified Ed25519 signs exactly as EdDSA does over the same key.
  const key = await importJWK(privateJwk, alg === "Ed25519" ? "EdDSA" : alg);
  return new SignJWT(claims).setProtectedHeader({ alg, kid: privateJwk.kid, ...header }).sign(key);
}

export interface AssertionInput {
  clientId: string;
  privateJwk: JWK;
  /** The registry's issuer: an assertion is addressed to it (RFC 7523 §3). */
  audience: string;
  /** Defaults to the client id (client authentication); a carrier attesting a person sets `tel:+E164`. */
  subject?: string;
  /** Milliseconds since the epoch; defaults to now. */
  now?: number;
  lifetimeSeconds?: number;
  /** Extra or overriding claims. */
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
}

/** An RFC 7523 assertion: iss = the client, a unique jti, a short life. */
export function signClientAssertion(input: AssertionInput): Promise<string> {
  const iat = Math.floor((input.now ?? Date.now()) / 1000);
  return signWithJwk(
    input.privateJwk,
    {
      iss: input.clientId,
      sub: input.subject ?? input.clientId,
      aud: input.audience,
      iat,
      exp: iat + (input.lifetimeSeconds ?? 60),
      jti: crypto.randomUUID(),
      ...input.claims,
    },
    input.header,
  );
}
