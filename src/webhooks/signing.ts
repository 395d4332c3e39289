import { createHmac } from "node:crypto";

/**
 * Standard Webhooks v1 (https://www.standardwebhooks.com/): a secret is `whsec_` + base64 of
 * random bytes; a signature is `v1,` + base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")) with
 * the decoded bytes as key; `webhook-signature` lists one per secret in use, space-separated.
 * node:crypto's HMAC (Workers run it through nodejs_compat, as for number hashes): synchronous,
 * where Web Crypto's sign is a round trip through a thread pool per message.
 */

const SECRET_PREFIX = "whsec_";
/** The specification asks for 24 to 64 bytes. */
const SECRET_BYTES = 32;

export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
  return `${SECRET_PREFIX}${Buffer.from(bytes).toString("base64")}`;
}

/** A secret's HMAC key: the bytes its base64 part encodes. */
export function signingKey(secret: string): Buffer {
  return Buffer.from(secret.slice(SECRET_PREFIX.length), "base64");
}

/** The headers of one message: its id (stable across retries), the time of this attempt, the signatures. */
export function signedHeaders(
  keys: readonly Buffer[],
  webhookId: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  const content = `${webhookId}.${timestampSeconds}.${body}`;
  const signatures = keys.map((key) => `v1,${createHmac("sha256", key).update(content).digest("base64")}`);
  return {
    "webhook-id": webhookId,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": signatures.join(" "),
  };
}
