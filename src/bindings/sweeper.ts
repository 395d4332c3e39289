import { and, asc, eq, inArray, lte, sql } from "drizzle-orm";
import { purgeUsedAssertions } from "../auth/assertion.js";
import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { bindings, events } from "../db/schema.js";

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
  const due = db.orm
    .select({ id: bindings.id })
    .from(bindings)
    .where(and(eq(bindings.status, "active"), lte(bindings.lastSeenAt, cutoff)))
    .orderBy(asc(bindings.lastSeenAt))
    .limit(batchSize);
  const expiresAt = sql<number>`${bindings.lastSeenAt} + ${inactivityMs}`;
  const [, updated] = await db.atomic([
    db.orm.insert(events).select(
      db.orm
        .select({
          // insert-select takes every column in table order; null lets SQLite assign the id.
          id: sql<number>`null`.as("id"),
          appId: bindings.appId,
          type: sql<string>`'binding.expired'`.as("type"),
          occurredAt: expiresAt.as("occurred_at"),
          data: sql<string>`json_object('binding_id', ${bindings.id}, 'account_ref', ${bindings.accountRef}, 'phone_number_hint', ${bindings.phoneHint}, 'reason', 'INACTIVITY')`.as("data"),
        })
        .from(bindings)
        .where(inArray(bindings.id, due)),
    ),
    db.orm
      .update(bindings)
      .set({ status: "expired", endedAt: expiresAt, endReason: "INACTIVITY" })
      .where(inArray(bindings.id, due)),
  ]);
  return changesOf(updated);
}

/** Sweeps until nothing is due or `maxBatches` ran (a Worker cron run must stay bounded). */
export async function sweepUntilDone(deps: SweepDeps, options: { batchSize?: number; maxBatches?: number } = {}): Promise<number> {
  const batchSize = options.batchSize ?? 5_000;
  const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
  let total = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const swept = await sweepBatch(deps, batchSize);
    total += swept;
    if (swept < batchSize) break;
    // Let requests in between batches.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await purgeUsedAssertions(deps);
  return total;
}
