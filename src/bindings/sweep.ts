import { and, asc, inArray, lte, sql } from "drizzle-orm";
import { purgeUsedAssertions } from "../auth/assertion.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { bindings } from "../db/shard-schema.js";
import { bindingEventsInsert } from "./store.js";

/**
 * Rows per sweep transaction, everywhere the sweeper runs: small enough that a write waiting
 * behind a batch (on Node's one file) waits briefly, large enough to amortise the commit.
 */
const SWEEP_BATCH_ROWS = 1_000;

export interface SweepDeps {
  db: Database;
  clock: Clock;
  inactivityMs: number;
}

export interface SweepOptions {
  /** A Worker invocation must stay bounded: stop after this many batches; the next run goes on. */
  maxBatches?: number;
  /** Checked between batches; a batch is never cut short. */
  stopped?: () => boolean;
  onBatch?: (swept: number) => void;
}

/**
 * Records one batch of inactivity expiries: status, end and one `binding.expired` event each.
 * Both statements pick the same rows (same query, one transaction), and both require the row to
 * be stored-active, so a second or concurrent sweep finds nothing left to do.
 */
async function sweepBatch({ db, clock, inactivityMs }: SweepDeps): Promise<number> {
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
    .limit(SWEEP_BATCH_ROWS);
  const expiresAt = sql<number>`${bindings.lastSeenAt} + ${inactivityMs}`;
  const [, updated] = await db.atomic([
    bindingEventsInsert(db, "binding.expired", expiresAt, inArray(rowid, due), "INACTIVITY"),
    db.orm
      .update(bindings)
      .set({ status: "expired", endedAt: expiresAt, endReason: "INACTIVITY" })
      .where(inArray(rowid, due)),
  ]);
  return updated!.changes;
}

/**
 * The sweeper's one loop, whoever runs it (the Node timer or thread, `numbind sweep`, a Worker's
 * scheduled run): batches until nothing is due, then forgets spent assertion ids.
 */
export async function sweep(deps: SweepDeps, options: SweepOptions = {}): Promise<number> {
  const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
  let total = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const swept = await sweepBatch(deps);
    total += swept;
    options.onBatch?.(swept);
    if (swept < SWEEP_BATCH_ROWS || options.stopped?.()) break;
    // Let requests in between batches.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await purgeUsedAssertions(deps);
  return total;
}
