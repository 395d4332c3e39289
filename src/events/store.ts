import { and, asc, eq, gt, sql } from "drizzle-orm";
import { rfc3339 } from "../clock.js";
import { events } from "../db/control-schema.js";
import type { Database, Statement } from "../db/database.js";
import { deliveriesQueued, newlyDue, slotsOf } from "../webhooks/wake.js";
import type { OutboxRow } from "./outbox.js";

type FeedRow = Pick<typeof events.$inferSelect, "id" | "type" | "occurredAt" | "data">;

/** A feed event as GET /v1/events shows it, and as a webhook carries it, byte for byte. */
export function feedItem(row: FeedRow) {
  return { id: row.id, type: row.type, occurred_at: rfc3339(row.occurredAt), data: row.data };
}

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
 * Each event the feed accepts also queues its webhook deliveries, in the same statement (the
 * trigger in migrations/control/0002_webhooks.sql); the batch's last read says which webhook
 * dispatchers to wake.
 */
export async function appendToFeeds(db: Database, rows: readonly OutboxRow[]): Promise<void> {
  const results = await db.atomic([
    ...rows.map((row) =>
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
    newlyDue(),
  ]);
  await deliveriesQueued(db, slotsOf(results[results.length - 1]));
}

/**
 * The `endpoint.disabled` event for the app's feed, written only while the endpoint is still
 * enabled (so it is said once); its data names the endpoint, never a binding.
 */
export function endpointDisabledEvent(endpointId: string, reason: string, now: number): Statement {
  return sql`insert into ${events} (event_key, app_id, type, occurred_at, data)
    select ${`endpoint.disabled:${endpointId}:${now}`}, app_id, 'endpoint.disabled', ${now},
      json_object('endpoint_id', id, 'url', url, 'reason', ${reason})
    from webhook_endpoints where id = ${endpointId} and enabled = 1
    on conflict do nothing`;
}
