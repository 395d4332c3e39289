import { and, asc, eq, gt } from "drizzle-orm";
import { events } from "../db/control-schema.js";
import type { Database } from "../db/database.js";
import type { OutboxRow } from "./outbox.js";

/** The app's feed in order, after the given event id. */
export async function listEvents(db: Database, appId: string, after: number | undefined, limit: number) {
  return db.orm
    .select()
    .from(events)
    .where(and(eq(events.appId, appId), after === undefined ? undefined : gt(events.id, after)))
    .orderBy(asc(events.id))
    .limit(limit);
}

/**
 * Appends a shard's events to their apps' feeds, in the shard's order. Delivery is at least once:
 * an event delivered before (its key is known) is dropped, so a retried delivery changes nothing.
 */
export async function appendToFeeds(db: Database, rows: readonly OutboxRow[]): Promise<void> {
  await db.atomic(
    rows.map((row) =>
      db.orm
        .insert(events)
        .values({
          eventKey: row.eventKey,
          appId: row.appId,
          type: row.type,
          occurredAt: row.occurredAt,
          data: row.data,
        })
        .onConflictDoNothing(),
    ),
  );
}
