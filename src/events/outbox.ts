import { asc, lte } from "drizzle-orm";
import { outbox } from "../db/shard-schema.js";
import type { ShardOrm } from "../db/shard-store.js";

export type OutboxRow = typeof outbox.$inferSelect;

/** The oldest events waiting in this shard's outbox. */
export function pendingEvents(orm: ShardOrm, limit: number): OutboxRow[] {
  return orm.select().from(outbox).orderBy(asc(outbox.seq)).limit(limit).all();
}

/** Forgets events up to `seq` once the feed holds them. */
export function forgetDelivered(orm: ShardOrm, seq: number): void {
  orm.delete(outbox).where(lte(outbox.seq, seq)).run();
}
