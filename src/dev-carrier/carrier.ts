import { calculateJwkThumbprint, type JWK } from "jose";
import { getCountryCallingCode, isSupportedCountry } from "libphonenumber-js/max";
import { createClient, findClient, updateClient } from "../auth/clients.js";
import { publicJwk } from "../auth/keys.js";
import type { Runtime } from "../http/context.js";
import { Problem } from "../http/problems.js";

export const DEV_CARRIER_ID = "dev-carrier";
export const DEV_CARRIER_PATH = "/dev/carrier";
const DEV_CARRIER_NAME = "Development carrier · 开发用运营商";

/** PKCS #8 wrapping of a raw Ed25519 seed (RFC 8410 §7): the one form WebCrypto imports a seed in. */
const ED25519_PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

const keys = new Map<string, Promise<JWK>>();

/**
 * The development carrier's private key, derived from the pepper (HKDF, its own label): the same
 * at every start without a file of its own, on Node and in `wrangler dev` alike. It exists only
 * outside production, where the pepper is itself a development secret.
 */
export function devCarrierKey(pepper: string): Promise<JWK> {
  let key = keys.get(pepper);
  if (!key) {
    key = (async () => {
      const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(pepper), "HKDF", false, [
        "deriveBits",
      ]);
      const seed = await crypto.subtle.deriveBits(
        {
          name: "HKDF",
          hash: "SHA-256",
          salt: new TextEncoder().encode("numbind"),
          info: new TextEncoder().encode("development carrier key v1"),
        },
        material,
        256,
      );
      const pkcs8 = new Uint8Array(ED25519_PKCS8_PREFIX.length + 32);
      pkcs8.set(ED25519_PKCS8_PREFIX);
      pkcs8.set(new Uint8Array(seed), ED25519_PKCS8_PREFIX.length);
      const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, true, ["sign"]);
      const jwk = (await crypto.subtle.exportKey("jwk", privateKey)) as JWK;
      const { kty, crv, x, d } = jwk;
      return { kty, crv, x, d, kid: await calculateJwkThumbprint({ kty, crv, x }), alg: "EdDSA" };
    })();
    keys.set(pepper, key);
  }
  return key;
}

/**
 * The prefix the development carrier claims: the default region's country code (+86 for CN).
 * Responsibility goes to the longest matching prefix, so any carrier registered with a longer
 * one (+86139) keeps its numbers; if another carrier already holds the bare country code, the
 * development carrier claims nothing rather than take it.
 */
function devPrefix(defaultRegion: string): string | undefined {
  return isSupportedCountry(defaultRegion) ? `+${getCountryCallingCode(defaultRegion)}` : undefined;
}

const registered = new WeakMap<Runtime, Promise<void>>();

/** Registers the development carrier once per runtime (creating or updating its client). */
export function ensureDevCarrier(runtime: Runtime): Promise<void> {
  let done = registered.get(runtime);
  if (!done) {
    done = registerDevCarrier(runtime).catch((error: unknown) => {
      registered.delete(runtime);
      throw error;
    });
    registered.set(runtime, done);
  }
  return done;
}

async function registerDevCarrier(runtime: Runtime): Promise<void> {
  const { db, clock, config } = runtime;
  const jwks = { keys: [publicJwk(await devCarrierKey(config.pepper))] };
  const personSignInUrl = `${config.issuer}${DEV_CARRIER_PATH}`;
  const existing = await findClient(db, DEV_CARRIER_ID);
  if (existing) {
    const sameKey = JSON.stringify(existing.jwks) === JSON.stringify(jwks);
    if (!sameKey || existing.personSignInUrl !== personSignInUrl) {
      await updateClient(db, clock, existing, { jwks, personSignInUrl });
    }
    return;
  }
  const prefix = devPrefix(config.defaultRegion);
  const input = { kind: "carrier" as const, name: DEV_CARRIER_NAME, jwks, personSignInUrl };
  try {
    await createClient(db, clock, { ...input, numberPrefixes: prefix ? [prefix] : [] }, DEV_CARRIER_ID);
  } catch (error) {
    if (error instanceof Problem && error.code === "CONFLICT") {
      await createClient(db, clock, input, DEV_CARRIER_ID);
    } else if (!(await findClient(db, DEV_CARRIER_ID))) {
      // Another process or isolate may have registered it a moment ago; only then is this fine.
      throw error;
    }
  }
}

/** The prefixes the development carrier holds now, for its page to say. */
export async function devCarrierPrefixes(runtime: Runtime): Promise<string[]> {
  return (await findClient(runtime.db, DEV_CARRIER_ID))?.numberPrefixes ?? [];
}
