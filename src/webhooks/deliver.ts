import { signedHeaders, signingKey } from "./signing.js";
import type { Endpoint } from "./store.js";
import { DeliveryFailed, type WebhookTransport } from "./transport.js";

/** What one attempt came to, as the attempt log keeps it. */
export interface AttemptResult {
  succeeded: boolean;
  /** 410 Gone: the receiver says the endpoint is no more. */
  gone: boolean;
  responseStatus: number | null;
  latencyMs: number;
  error: string | null;
  responseBody: string | null;
}

const USER_AGENT = "numbind-webhooks/1";

/** The secrets that sign now: the current one, and the previous one during a rotation's overlap. */
export function signingKeys(endpoint: Endpoint, now: number): Buffer[] {
  const secrets = [endpoint.secret];
  if (endpoint.previousSecret && (endpoint.previousSecretUntil ?? 0) > now) secrets.push(endpoint.previousSecret);
  return secrets.map(signingKey);
}

/**
 * Signs and sends one message (Standard Webhooks v1) and says how it went. Never throws for what
 * the receiver or the network did; the error text is for the app's attempt log, so it names what
 * happened without echoing anything but the endpoint's own answer.
 */
export async function attemptDelivery(
  transport: WebhookTransport,
  guarded: boolean,
  message: { url: string; keys: readonly Buffer[]; webhookId: string; body: string; now: number },
  onUnexpected: (error: unknown) => void,
): Promise<AttemptResult> {
  const headers = {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    ...signedHeaders(message.keys, message.webhookId, Math.floor(message.now / 1000), message.body),
  };
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const answer = await transport.send({ url: message.url, headers, body: message.body }, guarded);
    const succeeded = answer.status >= 200 && answer.status < 300;
    const redirect = answer.status >= 300 && answer.status < 400;
    return {
      succeeded,
      gone: answer.status === 410,
      responseStatus: answer.status,
      latencyMs: elapsed(),
      error: redirect ? "redirects are not followed: answer the POST at this URL" : null,
      responseBody: answer.body === "" ? null : answer.body,
    };
  } catch (error) {
    if (!(error instanceof DeliveryFailed)) onUnexpected(error);
    return {
      succeeded: false,
      gone: false,
      responseStatus: null,
      latencyMs: elapsed(),
      error: error instanceof DeliveryFailed ? error.message : "the delivery failed on our side",
      responseBody: null,
    };
  }
}
