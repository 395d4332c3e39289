import { NumbindError } from "./errors.js";

export type Fetch = (request: Request) => Promise<Response>;

export interface RetryPolicy {
  /** Retries after a 429 or 503, beyond the first attempt. Default 4. */
  maxRetries: number;
  /** The longest wait the client accepts: a `Retry-After` beyond it fails at once. Default 60 s. */
  maxDelayMs: number;
}

export interface TransportOptions {
  fetch: Fetch;
  retry: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  /** Per attempt. */
  timeoutMs: number;
}

/** 429 is answered before any work is done, 503 says "not now": both are safe to send again. */
const RETRIABLE = new Set([429, 503]);
const FIRST_BACKOFF_MS = 500;

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date; undefined when absent or unreadable. */
function retryAfterMs(response: Response, now: number): number | undefined {
  const value = response.headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The network failure's own reason (`ECONNREFUSED`, ...), which fetch wraps as "fetch failed". */
function networkReason(error: unknown): string {
  if ((error as Error).name === "TimeoutError") return "timed out";
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/**
 * Sends a request, again after a 429 or 503 as the answer's `Retry-After` asks (else after 0.5 s,
 * 1 s, 2 s, ...), a bounded number of times. `prepare` runs before each attempt (a fresh access
 * token). The last answer is returned whatever its status; only a network failure throws.
 */
export async function send(
  request: Request,
  options: TransportOptions,
  prepare: (request: Request) => Promise<Request> = async (same) => same,
): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    // A body can be read once: every attempt sends its own copy.
    const ready = await prepare(request.clone() as Request);
    let response: Response;
    try {
      response = await options.fetch(new Request(ready, { signal: AbortSignal.timeout(options.timeoutMs) }));
    } catch (error) {
      throw new NumbindError({
        status: 0,
        code: "NETWORK_ERROR",
        detail: `could not reach ${new URL(request.url).origin} (${networkReason(error)})`,
      });
    }
    if (!RETRIABLE.has(response.status) || attempt >= options.retry.maxRetries) return response;
    const delay = retryAfterMs(response, options.now()) ?? FIRST_BACKOFF_MS * 2 ** attempt;
    if (delay > options.retry.maxDelayMs) return response;
    await response.body?.cancel();
    await options.sleep(delay);
  }
}
