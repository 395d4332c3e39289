import type { Clock } from "../clock.js";
import type { Budget } from "../config/rate-limits.js";

/** What one request's take from a bucket decided, in the terms the RateLimit fields use. */
export interface Take {
  allowed: boolean;
  /** Whole requests left now. */
  remaining: number;
  /** Seconds until the next request is allowed (allowed: 0). */
  retryAfterSeconds: number;
  /** Seconds until the bucket is full again. */
  fullInSeconds: number;
}

interface Bucket {
  tokens: number;
  at: number;
  /** When the bucket will be full again: an idle bucket past it can be forgotten. */
  fullAt: number;
}

/**
 * Token buckets by key, in memory: a budget of `count` per `perMs` holds up to `count` requests
 * (a client may spend its whole budget at once) and refills continuously at count/perMs. Time is
 * the injected clock, so tests move it; a clock that steps back refills nothing.
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private readonly maxKeys = 100_000,
  ) {}

  take(key: string, budget: Budget): Take {
    const now = this.clock();
    const refillPerMs = budget.count / budget.perMs;
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      this.#makeRoom(now);
      bucket = { tokens: budget.count, at: now, fullAt: now };
      this.#buckets.set(key, bucket);
    } else if (now > bucket.at) {
      bucket.tokens = Math.min(budget.count, bucket.tokens + (now - bucket.at) * refillPerMs);
      bucket.at = now;
    }
    bucket.tokens = Math.min(bucket.tokens, budget.count);
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    const missing = budget.count - bucket.tokens;
    bucket.fullAt = bucket.at + missing / refillPerMs;
    return {
      allowed,
      remaining: Math.floor(bucket.tokens),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000)),
      fullInSeconds: Math.ceil(missing / refillPerMs / 1000),
    };
  }

  /** Keeps memory bounded against many keys (addresses, forged client ids): idle buckets go first. */
  #makeRoom(now: number): void {
    if (this.#buckets.size < this.maxKeys) return;
    for (const [key, bucket] of this.#buckets) if (bucket.fullAt <= now) this.#buckets.delete(key);
    // Still full of busy buckets: forgetting them all errs towards serving, never towards refusing.
    if (this.#buckets.size >= this.maxKeys) this.#buckets.clear();
  }
}
