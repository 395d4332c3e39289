import { DurableObject } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import migrations from "../../../migrations/shard/migrations.js";
import { sweep } from "../../bindings/sweep.js";
import { parseEnvironment } from "../../config.js";
import { openD1 } from "../../db/d1.js";
import { LocalShard } from "../../db/shard-host.js";
import type { ShardOperationName } from "../../db/shard-operations.js";
import { shardSchema } from "../../db/shard-schema.js";
import type { ShardOrm } from "../../db/shard-store.js";
import { type ShardResult, Shards } from "../../db/shards.js";
import type { WorkerEnv } from "./env.js";
import { wakeDispatchersOnQueue } from "./webhook-dispatcher.js";

/** A sweep run by an alarm stays bounded; a shard with more due sets its next alarm soon. */
const SWEEP_BATCHES_PER_ALARM = 20;
const SOON_MS = 1_000;
const DELIVERY_RETRY_MS = 5_000;

/**
 * One number shard: a SQLite-backed Durable Object holding the bindings, number records, carrier
 * events and outbox of the numbers whose hash falls in its range. It runs the same shard
 * operations as the Node process (LocalShard), migrates itself on first use, and sweeps itself
 * with its own alarm.
 */
export class NumberShard extends DurableObject<WorkerEnv> {
  readonly #shard: LocalShard;
  readonly #inactivityMs: number;
  readonly #sweepIntervalMs: number;
  #alarmChecked = false;

  constructor(ctx: DurableObjectState, env: WorkerEnv) {
    super(ctx, env);
    const orm = drizzle(ctx.storage, { schema: shardSchema });
    ctx.blockConcurrencyWhile(async () => {
      await migrate(orm, migrations);
    });
    const config = parseEnvironment(env);
    this.#inactivityMs = config.NUMBIND_INACTIVITY;
    this.#sweepIntervalMs = config.NUMBIND_SWEEP_INTERVAL;
    const control = openD1(env.DB);
    wakeDispatchersOnQueue(control, env);
    this.#shard = new LocalShard(
      { orm: orm as unknown as ShardOrm, transaction: (run) => ctx.storage.transactionSync(run) },
      control,
      (error) => {
        console.error("event delivery failed; retrying from the alarm", error);
        void this.#alarmWithin(DELIVERY_RETRY_MS);
      },
    );
  }

  /** The one RPC method: a shard operation by name, answered as plain data. */
  async invoke(name: ShardOperationName, input: unknown): Promise<ShardResult<unknown>> {
    if (!this.#alarmChecked) {
      this.#alarmChecked = true;
      await this.#alarmWithin(this.#sweepIntervalMs);
    }
    return this.#shard.invoke(name, input);
  }

  override async alarm(): Promise<void> {
    const self = new Shards(1, () => this.#shard);
    let batches = 0;
    await sweep(
      { shards: self, clock: () => Date.now(), inactivityMs: this.#inactivityMs },
      { maxBatches: SWEEP_BATCHES_PER_ALARM, onBatch: () => batches++ },
    );
    // Events an earlier delivery could not hand over wait in the outbox; try them again.
    await this.#shard.deliver();
    await this.ctx.storage.setAlarm(
      Date.now() + (batches >= SWEEP_BATCHES_PER_ALARM ? SOON_MS : this.#sweepIntervalMs),
    );
  }

  async #alarmWithin(ms: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > Date.now() + ms) await this.ctx.storage.setAlarm(Date.now() + ms);
  }
}

/** The shards of a deployment, as Durable Objects named `<name prefix><count>:<index>`. */
export function durableShards(namespace: DurableObjectNamespace<NumberShard>, count: number, namePrefix = ""): Shards {
  return new Shards(count, (index) => {
    const stub = namespace.get(namespace.idFromName(`${namePrefix}${count}:${index}`));
    return { invoke: (name, input) => stub.invoke(name, input) as Promise<ShardResult<unknown>> };
  });
}
