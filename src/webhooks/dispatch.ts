import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { feedItem } from "../events/store.js";
import { type AttemptResult, attemptDelivery, signingKeys } from "./deliver.js";
import {
  claimLanes,
  disableEndpoint,
  type QueuedDelivery,
  queuedDeliveries,
  recordFailure,
  recordSuccesses,
  releaseLane,
  type Share,
} from "./lanes.js";
import type { Endpoint, NewAttempt } from "./store.js";
import { DELIVERY_TIMEOUT_MS, type WebhookTransport } from "./transport.js";
import { deliveriesQueued } from "./wake.js";

/** Standard Webhooks' schedule (as Svix sends): after the first attempt, seven retries. */
export const RETRY_DELAYS_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
/** ±10 %: endpoints that failed together do not all come back at the same second. */
const JITTER = 0.1;
export const DISABLE_AFTER_FAILING_MS = 5 * 86_400_000;
/** A lane is held this long per delivery: well past the timeout, so a live lane never loses it. */
const LEASE_MS = 4 * DELIVERY_TIMEOUT_MS;
const LANE_BATCH = 20;
/** Deliveries one lane sends before it yields to endpoints waiting behind it. */
const LANE_TURN = 100;

export interface PumpOptions {
  db: Database;
  clock: Clock;
  transport: WebhookTransport;
  /** Refuse destinations outside the public Internet (production). */
  guarded: boolean;
  /** Endpoints served at once: each has one delivery in flight, so this bounds deliveries in flight. */
  maxInFlight: number;
  /** Workers: the slots this dispatcher serves; Node serves all. */
  share?: Share;
  random?: () => number;
  logError?: (message: string, error: unknown) => void;
}

/**
 * Sends what is due, an endpoint at a time per lane and up to `maxInFlight` lanes at once, each
 * lane in feed order with one delivery in flight (ordering per endpoint: an event is not sent
 * while an earlier one of the same endpoint waits for a retry). Runtime-free: Node drives it from
 * a timer, Workers from a Durable Object's alarm, tests call `drain()` after moving the clock.
 */
export class DeliveryPump {
  constructor(private readonly options: PumpOptions) {}

  /** Serves due lanes until none is left (or `budget` deliveries were attempted); returns how many were. */
  async drain(budget = Number.POSITIVE_INFINITY): Promise<number> {
    const { db, clock, maxInFlight, share } = this.options;
    const running = new Set<Promise<void>>();
    let attempted = 0;
    for (;;) {
      const free = maxInFlight - running.size;
      if (free > 0 && attempted < budget) {
        const now = clock();
        const lanes = await claimLanes(db, now, now + LEASE_MS, free, share);
        for (const endpoint of lanes) {
          const lane: Promise<void> = this.#serve(endpoint, () => attempted++ < budget)
            .catch((error: unknown) => this.#logError("a webhook lane failed; its lease runs out", error))
            .finally(() => running.delete(lane));
          running.add(lane);
        }
        if (lanes.length > 0) continue;
      }
      if (running.size === 0) return attempted;
      await Promise.race(running);
    }
  }

  async #serve(endpoint: Endpoint, mayAttempt: () => boolean): Promise<void> {
    const { db, clock } = this.options;
    const keys = signingKeys(endpoint, clock());
    let failingSince = endpoint.failingSince;
    // Successes are recorded a batch at a time (one transaction, one D1 round trip); a crash
    // before the record sends them again, which at least once allows. The lease is renewed at
    // each record, often enough that a slow receiver never outlives it.
    const sent: NewAttempt[] = [];
    let recordedAt = clock();
    const record = async () => {
      if (sent.length === 0) return true;
      recordedAt = clock();
      return recordSuccesses(db, endpoint.id, sent.splice(0), recordedAt + LEASE_MS);
    };
    for (let turn = 0; turn < LANE_TURN; ) {
      const batch = await queuedDeliveries(db, endpoint.id, LANE_BATCH);
      if (batch.length === 0) break;
      for (const delivery of batch) {
        if (turn++ >= LANE_TURN || !mayAttempt()) {
          if (await record()) await releaseLane(db, endpoint.id, clock());
          return;
        }
        const now = clock();
        const result = await attemptDelivery(
          this.options.transport,
          this.options.guarded,
          { url: endpoint.url, keys, webhookId: String(delivery.eventId), body: body(delivery), now },
          (error) => this.#logError("a webhook delivery failed unexpectedly", error),
        );
        if (!result.succeeded) {
          if (!(await record())) return;
          return this.#failed(endpoint, delivery, now, result, failingSince);
        }
        failingSince = null;
        sent.push(attemptRow(endpoint.id, delivery, now, result, null));
        if (clock() - recordedAt >= LEASE_MS / 4 && !(await record())) return;
      }
      if (!(await record())) return;
    }
    await releaseLane(db, endpoint.id, clock());
  }

  async #failed(
    endpoint: Endpoint,
    delivery: QueuedDelivery,
    now: number,
    result: AttemptResult,
    since: number | null,
  ) {
    const { db } = this.options;
    const failingTooLong = since !== null && now - since >= DISABLE_AFTER_FAILING_MS;
    if (result.gone || failingTooLong) {
      const attempt = attemptRow(endpoint.id, delivery, now, result, null);
      const slots = await disableEndpoint(db, endpoint.id, attempt, result.gone ? "GONE" : "FAILING", now);
      await deliveriesQueued(db, slots);
      return;
    }
    const delay = RETRY_DELAYS_MS[delivery.attempts];
    const random = this.options.random ?? Math.random;
    const retryAt = delay === undefined ? null : now + Math.round(delay * (1 - JITTER + 2 * JITTER * random()));
    await recordFailure(
      db,
      endpoint.id,
      delivery.eventId,
      attemptRow(endpoint.id, delivery, now, result, retryAt),
      retryAt,
      now,
    );
  }

  #logError(message: string, error: unknown): void {
    (this.options.logError ?? ((text, cause) => console.error(text, cause)))(message, error);
  }
}

/** The feed item the delivery carries, as GET /v1/events shows it. */
function body(delivery: QueuedDelivery): string {
  return JSON.stringify(
    feedItem({ id: delivery.eventId, type: delivery.type, occurredAt: delivery.occurredAt, data: delivery.data }),
  );
}

function attemptRow(
  endpointId: string,
  delivery: QueuedDelivery,
  now: number,
  result: AttemptResult,
  nextRetryAt: number | null,
): NewAttempt {
  return {
    endpointId,
    eventId: delivery.eventId,
    webhookId: String(delivery.eventId),
    eventType: delivery.type,
    attemptedAt: now,
    succeeded: result.succeeded,
    responseStatus: result.responseStatus,
    latencyMs: result.latencyMs,
    error: result.error,
    responseBody: result.responseBody,
    nextRetryAt,
  };
}
