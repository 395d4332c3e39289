import { sql } from "drizzle-orm";
import { webhookEndpoints } from "../db/control-schema.js";
import type { Database, Statement, StatementResult } from "../db/database.js";

/** Told which dispatcher slots have newly queued deliveries; may be async (a Durable Object call). */
type Listener = (slots: number[]) => unknown;

const listeners = new WeakMap<Database, Listener>();

/**
 * Who delivers what is queued through this database: the Node worker, or on Workers a call to the
 * dispatcher objects. Keyed by the database object, because the feed is written from code that
 * knows only the database (a shard delivering its outbox).
 */
export function onDeliveriesQueued(db: Database, listener: Listener): void {
  listeners.set(db, listener);
}

/** Wakes the dispatchers of these slots; a failure to wake is logged, the cron wakes them later. */
export async function deliveriesQueued(db: Database, slots: readonly number[]): Promise<void> {
  const listener = listeners.get(db);
  if (!listener || slots.length === 0) return;
  try {
    await listener([...new Set(slots)]);
  } catch (error) {
    console.error("waking the webhook dispatcher failed; the next cron run wakes it", error);
  }
}

/**
 * A read to put last in a batch that may queue deliveries: the slots of endpoints queued
 * since a dispatcher last looked (the feed trigger marks them due_at 0), so that only those wake.
 */
export function newlyDue(): Statement {
  return sql`select distinct ${webhookEndpoints.slot} as slot from ${webhookEndpoints} where ${webhookEndpoints.dueAt} = 0`;
}

export function slotsOf(result: StatementResult | undefined): number[] {
  return (result?.rows ?? []).map((row) => Number(row.slot));
}
