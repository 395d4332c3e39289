import { and, asc, inArray, lte, sql } from "drizzle-orm";
import { purgeUsedAssertions } from "../auth/assertion.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { bindings } from "../db/schema.js";
import { bindingEventsInsert } from "./store.js";

export interface SweepDeps {
  db: Database;
  clock: Clock;
  inactivityMs: number;
}

export function changesOf(result: unknown): number {
  const run = result as { changes?: number; meta?: { changes?: number } };
  return run.changes ?? run.meta?.changes ?? 0;
}

/**
 * Records one batch of inactivity expiries: status, end and one `binding.expired` event each.
 * Both statements pick the same rows (same query, one transaction), and both require the row to
 * be stored-active, so a second or concurrent sweep finds nothing left to do.
 */
export async function sweepBatch({ db, clock, inactivityMs }: SweepDeps, batchSize: number): Promise<number> {
  const cutoff = clock() - inactivityMs;
  // By rowid: the partial sweep index covers it, so choosing the batch reads no table rows, and
  // each chosen row is then one rowid look-up rather than a text-key look-up and a rowid one.
  // The literal 'active' lets SQLite prove the partial index applies.
  const rowid = sql`${bindings}.rowid`;
  const due = db.orm
    .select({ rowid: sql<number>`${rowid}`.as("rowid") })
    .from(bindings)
    .where(and(sql`${bindings.status} = 'active'`, lte(bindings.lastSeenAt, cutoff)))
    .orderBy(asc(bindings.lastSeenAt))
    .limit(batchSize);
  const expiresAt = sql<number>`${bindings.lastSeenAt} + ${inactivityMs}`;
  const [, updated] = await db.atomic([
    bindingEventsInsert(db, "binding.expired", expiresAt, inArray(rowid, due), "INACTIVITY"),
    db.orm
      .update(bindings)
      .set({ status: "expired", endedAt: expiresAt, endReason: "INACTIVITY" })
      .where(inArray(rowid, due)),
  ]);
  return changesOf(updated);
}

/**
 * Sweeps until nothing is due, `maxBatches` ran (a Worker cron run must stay bounded), or
 * `stopped()` says so (checked between batches; a batch is never cut short).
 */
export async function sweepUntilDone(
  deps: SweepDeps,
  options: { batchSize?: number; maxBatches?: number; onBatch?: (swept: number) => void; stopped?: () => boolean } = {},
): Promise<number> {
  const batchSize = options.batchSize ?? 5_000;
  const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
  let total = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const swept = await sweepBatch(deps, batchSize);
    total += swept;
    options.onBatch?.(swept);
    if (swept < batchSize || options.stopped?.()) break;
    // Let requests in between batches.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await purgeUsedAssertions(deps);
  return total;
}
