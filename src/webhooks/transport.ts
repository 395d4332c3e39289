import { hostRefusal } from "./ssrf.js";

/** One POST to an app's endpoint. */
interface OutgoingWebhook {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What the receiver answered: its status and the start of its body (RESPONSE_BODY_LIMIT bytes). */
export interface ReceiverAnswer {
  status: number;
  body: string;
}

/**
 * How webhooks leave this runtime. `send` resolves with any HTTP answer (a 3xx included: redirects
 * are never followed) and throws a DeliveryFailed for everything else: a refused destination, a
 * timeout, a connection that failed. With `guarded`, destinations outside the public Internet are
 * refused (production). `resolve` gives a host's addresses where the runtime can look them up
 * (Node), so that registration refuses a private one; Workers cannot, and leave it out.
 */
export interface WebhookTransport {
  send(message: OutgoingWebhook, guarded: boolean): Promise<ReceiverAnswer>;
  resolve?(hostname: string): Promise<string[]>;
}

/** A delivery that got no HTTP answer; the message is shown to the app in its attempt log. */
export class DeliveryFailed extends Error {
  override name = "DeliveryFailed";
}

export const DELIVERY_TIMEOUT_MS = 15_000;
/** How much of a receiver's answer is read and kept in the attempt log. */
export const RESPONSE_BODY_LIMIT = 1024;

/** The first `limit` bytes of a body as text; the rest is never read. */
async function cappedText(body: ReadableStream<Uint8Array> | null, limit = RESPONSE_BODY_LIMIT) {
  if (!body) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    void reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(Math.min(size, limit));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk.subarray(0, bytes.length - offset), offset);
    offset += Math.min(chunk.length, bytes.length - offset);
  }
  return new TextDecoder().decode(bytes);
}

/**
 * The portable transport, over `fetch`: what Workers use. Guarded, it refuses what the URL itself
 * shows (an IP literal in a forbidden block, an internal name); the addresses a name resolves to
 * are out of a Worker's sight, and its fetch reaches only the public Internet (docs/webhooks.md).
 */
export function fetchTransport(fetcher: typeof fetch = (input, init) => fetch(input, init)): WebhookTransport {
  return {
    async send(message, guarded) {
      const url = new URL(message.url);
      const refusal = guarded ? hostRefusal(url.hostname) : undefined;
      if (refusal) throw new DeliveryFailed(`refused: the host is ${refusal}`);
      let response: Response;
      try {
        response = await fetcher(url, {
          method: "POST",
          headers: message.headers,
          body: message.body,
          redirect: "manual",
          signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        });
      } catch (error) {
        if ((error as Error).name === "TimeoutError") {
          throw new DeliveryFailed(`no answer within ${DELIVERY_TIMEOUT_MS / 1000} s`);
        }
        throw new DeliveryFailed("the connection failed");
      }
      return { status: response.status, body: await cappedText(response.body).catch(() => "") };
    },
  };
}
