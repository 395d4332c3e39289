import {
  base64url,
  type CryptoKey,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from "jose";
import { Problem } from "../http/problems.js";

/**
 * Algorithms a client may sign its assertions with (DESIGN.md, Authentication): the one list the
 * token endpoint passes to jose and every metadata document advertises. RS256 and PS256 are what
 * CAMARA clients sign with (OIDC and RFC 8414: "Servers SHOULD support RS256").
 */
export const CLIENT_ALGORITHMS = ["EdDSA", "Ed25519", "ES256", "RS256", "PS256"] as const;

const RSA_ALGORITHMS = ["RS256", "PS256"] as const;
/** RFC 7518 §3.3, §3.5: "A key of size 2048 bits or larger MUST be used with these algorithms." */
const MIN_RSA_BITS = 2048;
/** A bound on verification cost; 8192 is past every size in common use. */
const MAX_RSA_BITS = 8192;
/**
 * 65537, what every common generator emits. One exponent keeps the rule the same on Node and in
 * workerd (BoringSSL), whose limits on other exponents differ.
 */
const RSA_EXPONENT = "AQAB";
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Members that only a private key has (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2). */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

/** A key or key set that cannot be used: a 400 where a request sent it, a start-up error in config. */
export class KeyError extends Problem {
  constructor(detail: string) {
    super("INVALID_ARGUMENT", detail);
  }
}

export interface PublicJwks {
  keys: JWK[];
}

function isEd25519(jwk: JWK): boolean {
  return jwk.kty === "OKP" && jwk.crv === "Ed25519";
}

function isP256(jwk: JWK): boolean {
  return jwk.kty === "EC" && jwk.crv === "P-256";
}

function isRsa(jwk: JWK): boolean {
  return jwk.kty === "RSA";
}

/**
 * The size of an RSA modulus in bits, counted from `n` itself: workerd reports a key's
 * `modulusLength` rounded up to whole bytes (a 2047-bit key as 2048), so jose's own 2048-bit check
 * passes there, and the octet count of `n` cannot tell 2047 from 2048 bits either.
 * Undefined when `n` is not a minimal Base64urlUInt (RFC 7518 §2: no leading zero octet).
 */
function rsaModulusBits(n: string): number | undefined {
  if (!BASE64URL.test(n)) return undefined;
  let octets: Uint8Array;
  try {
    octets = base64url.decode(n);
  } catch {
    return undefined;
  }
  if (octets.length === 0 || octets[0] === 0) return undefined;
  return (octets.length - 1) * 8 + (32 - Math.clz32(octets[0]!));
}

function parseRsaKey(jwk: JWK, index: number): JWK {
  if (jwk.alg !== undefined && !(RSA_ALGORITHMS as readonly string[]).includes(jwk.alg)) {
    throw new KeyError(`key ${index}: an RSA key's alg must be RS256 or PS256, or absent (then it serves both)`);
  }
  if (typeof jwk.n !== "string" || typeof jwk.e !== "string") throw new KeyError(`key ${index} lacks n or e`);
  const bits = rsaModulusBits(jwk.n);
  if (bits === undefined) {
    throw new KeyError(`key ${index}: n must be the modulus in base64url without leading zero octets (RFC 7518 §2)`);
  }
  if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
    throw new KeyError(
      `key ${index} is a ${bits}-bit RSA key; RSA keys must have ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits (RFC 7518 §3.3)`,
    );
  }
  if (jwk.e !== RSA_EXPONENT) throw new KeyError(`key ${index}: the RSA exponent e must be AQAB (65537)`);
  return { kty: "RSA", n: jwk.n, e: jwk.e, kid: jwk.kid, ...(jwk.alg ? { alg: jwk.alg } : {}) };
}

/**
 * Validates a client's JWKS: public Ed25519, P-256 or RSA (2048 bits or more) signing keys only,
 * each with a unique `kid`.
 * Returns the keys with only their public members, so nothing else is ever stored.
 */
export function parseClientJwks(value: unknown): PublicJwks {
  if (typeof value !== "object" || value === null || !Array.isArray((value as { keys?: unknown }).keys)) {
    throw new KeyError("jwks must be an object with a keys array");
  }
  const keys = (value as { keys: unknown[] }).keys;
  if (keys.length === 0 || keys.length > 10) throw new KeyError("jwks must hold 1 to 10 keys");
  const seen = new Set<string>();
  return {
    keys: keys.map((raw, index) => {
      if (typeof raw !== "object" || raw === null) throw new KeyError(`key ${index} is not an object`);
      const jwk = raw as JWK;
      if (PRIVATE_MEMBERS.some((member) => (jwk as Record<string, unknown>)[member] !== undefined)) {
        throw new KeyError(`key ${index} is a private or symmetric key; register public keys only`);
      }
      if (typeof jwk.kid !== "string" || jwk.kid.length === 0 || jwk.kid.length > 128) {
        throw new KeyError(`key ${index} needs a kid`);
      }
      if (seen.has(jwk.kid)) throw new KeyError(`key ${index} repeats kid "${jwk.kid}"`);
      seen.add(jwk.kid);
      if (jwk.use !== undefined && jwk.use !== "sig") {
        throw new KeyError(`key ${index} is for use "${jwk.use}"; register signing keys (use "sig" or no use)`);
      }
      if (isEd25519(jwk)) {
        if (jwk.alg !== undefined && jwk.alg !== "EdDSA" && jwk.alg !== "Ed25519") {
          throw new KeyError(`key ${index}: an Ed25519 key's alg must be EdDSA or Ed25519`);
        }
        if (typeof jwk.x !== "string") throw new KeyError(`key ${index} lacks x`);
        return { kty: "OKP", crv: "Ed25519", x: jwk.x, kid: jwk.kid, ...(jwk.alg ? { alg: jwk.alg } : {}) };
      }
      if (isP256(jwk)) {
        if (jwk.alg !== undefined && jwk.alg !== "ES256")
          throw new KeyError(`key ${index}: a P-256 key's alg must be ES256`);
        if (typeof jwk.x !== "string" || typeof jwk.y !== "string") throw new KeyError(`key ${index} lacks x or y`);
        return { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, kid: jwk.kid, ...(jwk.alg ? { alg: jwk.alg } : {}) };
      }
      if (isRsa(jwk)) return parseRsaKey(jwk, index);
      throw new KeyError(`key ${index} is not an Ed25519 (OKP), P-256 (EC) or RSA key`);
    }),
  };
}

function importAlgorithm(jwk: JWK): string {
  if (isEd25519(jwk)) return "Ed25519";
  if (isRsa(jwk)) return jwk.alg ?? "RS256";
  return "ES256";
}

/** Checks every key imports, so a malformed coordinate is refused at registration, not at first use. */
export async function assertImportable(jwks: PublicJwks): Promise<void> {
  for (const [index, jwk] of jwks.keys.entries()) {
    try {
      await importJWK(jwk, importAlgorithm(jwk));
    } catch {
      throw new KeyError(`key ${index} (kid "${jwk.kid}") is not a valid public key`);
    }
  }
}

/**
 * The key set handed to jose for verification. RFC 9864 names Ed25519 both `EdDSA` and
 * `Ed25519`; jose matches a JWK's `alg` literally, so the Ed25519 keys lose theirs here and
 * the curve check alone binds them to either name. An RSA key keeps its `alg` (RS256 or PS256,
 * never the other); one without serves both. An RSA key below the minimum is left out whatever
 * way it reached the store, since workerd would let jose accept a 2047-bit one.
 */
export function verificationJwks(jwks: PublicJwks): PublicJwks {
  return {
    keys: jwks.keys
      .filter((jwk) => !isRsa(jwk) || (rsaModulusBits(jwk.n ?? "") ?? 0) >= MIN_RSA_BITS)
      .map((jwk) => (isEd25519(jwk) ? { ...jwk, alg: undefined } : jwk)),
  };
}

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface PrivateJwks {
  keys: JWK[];
}

/** Validates the registry's own private JWKS (NUMBIND_SIGNING_KEYS): Ed25519 keys with kid and d. */
export function parsePrivateJwks(value: unknown): PrivateJwks {
  if (typeof value !== "object" || value === null || !Array.isArray((value as { keys?: unknown }).keys)) {
    throw new KeyError("must be a JWKS object with a keys array");
  }
  const keys = (value as { keys: JWK[] }).keys;
  if (keys.length === 0) throw new KeyError("must hold at least one key");
  for (const [index, jwk] of keys.entries()) {
    if (!isEd25519(jwk) || typeof jwk.d !== "string" || typeof jwk.x !== "string") {
      throw new KeyError(`key ${index} must be a private Ed25519 JWK (kty OKP, crv Ed25519, x, d)`);
    }
    if (typeof jwk.kid !== "string" || jwk.kid === "") throw new KeyError(`key ${index} needs a kid`);
  }
  return { keys };
}

/** Imports the registry keys: the first signs, all verify (rotation). */
export async function importSigningKeys(jwks: PrivateJwks): Promise<SigningKey[]> {
  return Promise.all(
    jwks.keys.map(async (jwk) => ({
      kid: jwk.kid as string,
      privateKey: (await importJWK({ ...jwk, alg: "EdDSA" }, "EdDSA")) as CryptoKey,
      publicJwk: { kty: "OKP", crv: "Ed25519", x: jwk.x, kid: jwk.kid, alg: "EdDSA", use: "sig" },
    })),
  );
}

/** A new extractable Ed25519 private JWK with a thumbprint kid (registry keys, `numbind keygen`). */
export async function generateSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair("Ed25519", { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: "EdDSA" };
}

/** The public half of a private JWK, for registration. */
export function publicJwk(jwk: JWK): JWK {
  const { d: _d, key_ops: _ops, ext: _ext, ...rest } = jwk;
  return rest;
}
