import { DurableObject } from "cloudflare:workers";
import { parseEnvironment } from "../../config.js";
import { openD1 } from "../../db/d1.js";
import type { Database } from "../../db/database.js";
import { DeliveryPump } from "../../webhooks/dispatch.js";
import { nextWakeAt, type Share } from "../../webhooks/lanes.js";
import { fetchTransport } from "../../webhooks/transport.js";
import { onDeliveriesQueued } from "../../webhooks/wake.js";
import type { WorkerEnv } from "./env.js";

/** Dispatcher objects; endpoint slots (0..1023) are spread over them, slot modulo this count. */
export const WEBHOOK_DISPATCHERS = 16;
/** A Worker invocation opens at most six connections at once; more would only queue. */
const MAX_IN_FLIGHT = 6;
/** Deliveries per alarm, so one alarm stays within an invocation's subrequest budget; more: the next alarm, at once. */
const DELIVERIES_PER_ALARM = 200;
const INDEX_KEY = "index";

/**
 * Sends the webhook deliveries of its share of endpoints from D1, on its alarm: woken by the feed
 * when deliveries are queued, by its own alarm for retries, and by the cron trigger as a fallback.
 * It keeps nothing but its index; the queue, the leases and the schedule live in D1, so any
 * number of these may run side by side, each over its own slots.
 */
export class WebhookDispatcher extends DurableObject<WorkerEnv> {
  readonly #db: Database;
  readonly #guarded: boolean;

  constructor(ctx: DurableObjectState, env: WorkerEnv) {
    super(ctx, env);
    this.#db = openD1(env.DB);
    // What resolveConfig calls production, read without the secrets this object does not need.
    this.#guarded = parseEnvironment(env).NODE_ENV === "production";
  }

  /** Runs the alarm now, unless one is due sooner. */
  async wake(index: number): Promise<void> {
    if ((await this.ctx.storage.get<number>(INDEX_KEY)) !== index) await this.ctx.storage.put(INDEX_KEY, index);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > Date.now()) await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    const index = await this.ctx.storage.get<number>(INDEX_KEY);
    if (index === undefined) return;
    const share: Share = { index, count: WEBHOOK_DISPATCHERS };
    const pump = new DeliveryPump({
      db: this.#db,
      clock: () => Date.now(),
      transport: fetchTransport(),
      guarded: this.#guarded,
      maxInFlight: MAX_IN_FLIGHT,
      share,
    });
    const attempted = await pump.drain(DELIVERIES_PER_ALARM);
    const next = attempted >= DELIVERIES_PER_ALARM ? Date.now() : await nextWakeAt(this.#db, share);
    if (next !== null) await this.ctx.storage.setAlarm(Math.max(next, Date.now()));
  }
}

function dispatcher(namespace: DurableObjectNamespace<WebhookDispatcher>, index: number) {
  return namespace.get(namespace.idFromName(`webhooks:${index}`));
}

/** Wakes the dispatchers serving these slots. */
async function wakeDispatchers(
  namespace: DurableObjectNamespace<WebhookDispatcher>,
  slots: readonly number[],
): Promise<void> {
  const indexes = new Set(slots.map((slot) => slot % WEBHOOK_DISPATCHERS));
  await Promise.all([...indexes].map((index) => dispatcher(namespace, index).wake(index)));
}

/** Every dispatcher: the cron trigger's fallback for a wake that was lost. */
export function wakeAllDispatchers(namespace: DurableObjectNamespace<WebhookDispatcher>): Promise<void> {
  return wakeDispatchers(
    namespace,
    Array.from({ length: WEBHOOK_DISPATCHERS }, (_, index) => index),
  );
}

/** Feed writes through this database wake the dispatchers, where the deployment has them bound. */
export function wakeDispatchersOnQueue(db: Database, env: WorkerEnv): void {
  const namespace = env.WEBHOOKS;
  if (namespace) onDeliveriesQueued(db, (slots) => wakeDispatchers(namespace, slots));
}
