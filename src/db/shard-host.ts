import { forgetDelivered, pendingEvents } from "../events/outbox.js";
import { appendToFeeds } from "../events/store.js";
import { Problem } from "../http/problems.js";
import type { Database } from "./database.js";
import { type ShardOperationName, shardOperations, WRITES_EVENTS } from "./shard-operations.js";
import type { ShardStore } from "./shard-store.js";
import type { ShardHost, ShardResult } from "./shards.js";

const DELIVERY_BATCH = 100;

/**
 * Runs shard operations on a store it holds: the Node process's one shard, or a Durable Object's
 * own. After an operation that wrote app events it moves them from the outbox to the apps' feeds
 * before answering; a delivery that fails stays in the outbox for the next try (`deliver`).
 */
export class LocalShard implements ShardHost {
  #delivering: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ShardStore,
    private readonly control: Database,
    private readonly onDeliveryFailure: (error: unknown) => void = (error) =>
      console.error("event delivery failed", error),
  ) {}

  async invoke(name: ShardOperationName, input: unknown): Promise<ShardResult<unknown>> {
    let result: ShardResult<unknown>;
    try {
      const operation = shardOperations[name] as (store: ShardStore, input: unknown) => unknown;
      result = { value: operation(this.store, input) };
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      result = {
        problem: { code: error.code, detail: error.message, ...(error.errors ? { errors: error.errors } : {}) },
      };
    }
    if (WRITES_EVENTS.has(name)) {
      await this.deliver().catch((error: unknown) => this.onDeliveryFailure(error));
    }
    return result;
  }

  /** Moves every pending event to the feeds, one delivery at a time so a shard's order holds. */
  deliver(): Promise<void> {
    const next = this.#delivering.then(async () => {
      for (;;) {
        const rows = pendingEvents(this.store.orm, DELIVERY_BATCH);
        if (rows.length === 0) return;
        await appendToFeeds(this.control, rows);
        forgetDelivered(this.store.orm, rows[rows.length - 1]!.seq);
      }
    });
    // A failed delivery must not block the ones after it.
    this.#delivering = next.catch(() => undefined);
    return next;
  }
}
