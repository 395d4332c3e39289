import { KeyObject, sign, type webcrypto } from "node:crypto";
import type { JwtSigner } from "../../auth/jwt-signer.js";

const keyObjects = new WeakMap<object, KeyObject>();

function base64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}

/**
 * The Node signer: the same compact JWS (RFC 7515 §7.1, EdDSA per RFC 8037) as the jose signer,
 * made with node:crypto. On Node 20 jose base64url-encodes through `btoa` (Node 20 lacks
 * `Uint8Array.prototype.toBase64`), which made large receipts slow to sign (bench/README.md);
 * Buffer encodes natively. Tokens it makes are verified by
 * jose wherever they are read, and the Node contract tests run through it.
 */
export const nodeJwtSigner: JwtSigner = async (key, typ, claims) => {
  let keyObject = keyObjects.get(key.privateKey);
  if (!keyObject) {
    keyObject = KeyObject.from(key.privateKey as webcrypto.CryptoKey);
    keyObjects.set(key.privateKey, keyObject);
  }
  const signingInput = `${base64url(JSON.stringify({ alg: "EdDSA", kid: key.kid, typ }))}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${sign(null, Buffer.from(signingInput), keyObject).toString("base64url")}`;
};
