import { type JWTPayload, SignJWT } from "jose";
import type { SigningKey } from "./keys.js";

/**
 * Signs a JWT with a registry key: protected header `{alg: "EdDSA", kid, typ}`, the claims as
 * given (the caller sets iss, iat, jti, ...). Access tokens and check receipts go through it.
 */
export type JwtSigner = (key: SigningKey, typ: string, claims: JWTPayload) => Promise<string>;

/** The portable signer, WebCrypto through jose: what the Workers runtime uses. */
export const joseJwtSigner: JwtSigner = (key, typ, claims) =>
  new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ }).sign(key.privateKey);
