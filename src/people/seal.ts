import { errors, type JWTPayload, jwtVerify, SignJWT } from "jose";
import type { Runtime } from "../http/context.js";

/**
 * The page's own short-lived tokens (the sign-in state, the session) are HS256 JWTs under a key
 * derived from the pepper: only this registry reads them, so a symmetric key is enough, and the
 * pepper is the one secret every runtime already has. HKDF keeps the two uses apart.
 */
const keys = new Map<string, Promise<Uint8Array>>();

function pageKey(pepper: string): Promise<Uint8Array> {
  let key = keys.get(pepper);
  if (!key) {
    key = (async () => {
      const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(pepper), "HKDF", false, [
        "deriveBits",
      ]);
      const bits = await crypto.subtle.deriveBits(
        {
          name: "HKDF",
          hash: "SHA-256",
          salt: new TextEncoder().encode("numbind"),
          info: new TextEncoder().encode("people page tokens v1"),
        },
        material,
        256,
      );
      return new Uint8Array(bits);
    })();
    keys.set(pepper, key);
  }
  return key;
}

/** What a sealed token is for: its typ, so that a state can never pass for a session. */
export type SealPurpose = "numbind-sign-in-state" | "numbind-session";

export async function seal(
  runtime: Pick<Runtime, "config" | "clock">,
  purpose: SealPurpose,
  claims: JWTPayload,
  lifetimeMs: number,
): Promise<string> {
  const now = runtime.clock();
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: purpose })
    .setIssuer(runtime.config.issuer)
    .setIssuedAt(Math.floor(now / 1000))
    .setExpirationTime(Math.floor((now + lifetimeMs) / 1000))
    .sign(await pageKey(runtime.config.pepper));
}

export type Unsealed<T> = { claims: T } | { expired: true } | { invalid: true };

export async function unseal<T extends object>(
  runtime: Pick<Runtime, "config" | "clock">,
  purpose: SealPurpose,
  token: string | undefined,
): Promise<Unsealed<T>> {
  if (!token) return { invalid: true };
  try {
    const { payload } = await jwtVerify<T & JWTPayload>(token, await pageKey(runtime.config.pepper), {
      algorithms: ["HS256"],
      typ: purpose,
      issuer: runtime.config.issuer,
      currentDate: new Date(runtime.clock()),
      requiredClaims: ["exp"],
    });
    return { claims: payload };
  } catch (error) {
    return error instanceof errors.JWTExpired ? { expired: true } : { invalid: true };
  }
}

/** A fresh random value, base64url: nonces, browser keys, CSRF tokens. */
export function randomToken(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export async function sha256(text: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Compares two secrets in time independent of where they first differ. */
export function sameSecret(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
