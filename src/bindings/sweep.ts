import type { Clock } from "../clock.js";
import { SWEEP_BATCH_ROWS } from "../db/shard-operations.js";
import type { Shards } from "../db/shards.js";

export interface SweepDeps {
  shards: Shards;
  clock: Clock;
  inactivityMs: number;
}

export interface SweepOptions {
  /** A bounded run stops after this many batches per shard; the next run goes on. */
  maxBatches?: number;
  /** Checked between batches; a batch is never cut short. */
  stopped?: () => boolean;
  onBatch?: (swept: number) => void;
}

/** Lets other work in between two batches: on Node the next request, in a Worker the next event. */
const yieldToOthers = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * The sweeper's one loop, whoever runs it (the Node thread or timer, `numbind sweep`, a shard's
 * alarm through its own host): batches on each shard until nothing is due. Each batch records its
 * expiries and their `binding.expired` events together.
 */
export async function sweep(deps: SweepDeps, options: SweepOptions = {}): Promise<number> {
  const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
  let total = 0;
  for (let index = 0; index < deps.shards.count && !options.stopped?.(); index++) {
    for (let batch = 0; batch < maxBatches; batch++) {
      const swept = await deps.shards.call(index, "sweep", { now: deps.clock(), inactivityMs: deps.inactivityMs });
      total += swept;
      options.onBatch?.(swept);
      if (swept < SWEEP_BATCH_ROWS || options.stopped?.()) break;
      await yieldToOthers();
    }
  }
  return total;
}
