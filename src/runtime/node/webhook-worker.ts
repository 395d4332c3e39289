import type { Clock } from "../../clock.js";
import type { Database } from "../../db/database.js";
import { DeliveryPump } from "../../webhooks/dispatch.js";
import { nextWakeAt, purgeAttempts, releaseAllLeases } from "../../webhooks/lanes.js";
import type { WebhookTransport } from "../../webhooks/transport.js";
import { onDeliveriesQueued } from "../../webhooks/wake.js";

/** Endpoints served at once by the Node process, each with one delivery in flight. */
const MAX_IN_FLIGHT = 16;
/**
 * Looks again at least this often: events another connection queued (the sweeper thread, the
 * `numbind sweep` command) wake nobody in this process, and a lease may have run out.
 */
const IDLE_CHECK_MS = 5_000;
const PURGE_EVERY_MS = 3_600_000;

export interface WebhookWorker {
  stop(): Promise<void>;
}

/**
 * The Node server's webhook deliveries, in process: woken when the feed queues deliveries, else by
 * a timer set to the next retry. The file has this one dispatcher, so leases a killed process held
 * are released at start and what it had in flight is sent again (at least once).
 */
export async function startWebhookWorker(options: {
  db: Database;
  clock: Clock;
  transport: WebhookTransport;
  guarded: boolean;
  logError?: (message: string, error: unknown) => void;
}): Promise<WebhookWorker> {
  const { db, clock } = options;
  const logError = options.logError ?? ((message, error) => console.error(message, error));
  const pump = new DeliveryPump({ ...options, maxInFlight: MAX_IN_FLIGHT, logError });
  await releaseAllLeases(db);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let purgedAt = 0;

  const schedule = async () => {
    const next = await nextWakeAt(db);
    if (stopped) return;
    const delay = next === null ? IDLE_CHECK_MS : Math.min(Math.max(next - clock(), 0), IDLE_CHECK_MS);
    timer = setTimeout(run, delay);
    timer.unref();
  };
  const cycle = async () => {
    do {
      again = false;
      await pump.drain();
    } while (again && !stopped);
    if (clock() - purgedAt >= PURGE_EVERY_MS) {
      purgedAt = clock();
      await purgeAttempts(db, clock());
    }
  };
  function run(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = cycle()
      .catch((error: unknown) => logError("webhook delivery failed; retrying on the next wake", error))
      .then(() => schedule())
      .catch((error: unknown) => logError("webhook scheduling failed", error))
      .finally(() => {
        running = undefined;
        if (again && !stopped) run();
      });
  }

  onDeliveriesQueued(db, run);
  run();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
