import { and, asc, eq, inArray, isNull, lt, lte, or, type SQL, sql } from "drizzle-orm";
import { events, webhookAttempts, webhookDeliveries, webhookEndpoints } from "../db/control-schema.js";
import type { Database, Statement } from "../db/database.js";
import { endpointDisabledEvent } from "../events/store.js";
import type { Endpoint, NewAttempt } from "./store.js";
import { newlyDue, slotsOf } from "./wake.js";

// The delivery lanes' SQL: each endpoint is one lane, held by one dispatcher at a time (a lease
// on its row), sending its queued deliveries in feed order. D1 has no interactive transactions,
// so every step is one atomic batch whose conditions live in the SQL.

/** Which dispatcher claims what: on Workers each of `count` dispatchers takes the slots ≡ index. */
export interface Share {
  index: number;
  count: number;
}

export interface QueuedDelivery {
  eventId: number;
  attempts: number;
  type: (typeof events.type.enumValues)[number];
  occurredAt: number;
  data: Record<string, unknown>;
}

const inShare = (share: Share | undefined): SQL | undefined =>
  share && share.count > 1 ? sql`${webhookEndpoints.slot} % ${share.count} = ${share.index}` : undefined;

const stillQueued = (endpointId: string) =>
  sql`exists (select 1 from ${webhookDeliveries} where ${webhookDeliveries.endpointId} = ${endpointId})`;

/** Leases up to `limit` endpoints whose next delivery is due, longest waiting first. */
export async function claimLanes(
  db: Database,
  now: number,
  leaseUntil: number,
  limit: number,
  share?: Share,
): Promise<Endpoint[]> {
  const due = db.orm
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(
      and(
        lte(webhookEndpoints.dueAt, now),
        eq(webhookEndpoints.enabled, true),
        or(isNull(webhookEndpoints.leasedUntil), lte(webhookEndpoints.leasedUntil, now)),
        inShare(share),
      ),
    )
    .orderBy(asc(webhookEndpoints.dueAt))
    .limit(limit);
  // due_at moves off 0, so the feed wakes a dispatcher again only for endpoints nobody holds.
  return db.orm
    .update(webhookEndpoints)
    .set({ leasedUntil: leaseUntil, dueAt: now })
    .where(inArray(webhookEndpoints.id, due))
    .returning();
}

/** The endpoint's next deliveries in feed order, with the feed events they carry. */
export async function queuedDeliveries(db: Database, endpointId: string, limit: number): Promise<QueuedDelivery[]> {
  return db.orm
    .select({
      eventId: webhookDeliveries.eventId,
      attempts: webhookDeliveries.attempts,
      type: events.type,
      occurredAt: events.occurredAt,
      data: events.data,
    })
    .from(webhookDeliveries)
    .innerJoin(events, eq(events.id, webhookDeliveries.eventId))
    .where(eq(webhookDeliveries.endpointId, endpointId))
    .orderBy(asc(webhookDeliveries.eventId))
    .limit(limit);
}

const theDelivery = (endpointId: string, eventId: number) =>
  and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.eventId, eventId));

/** D1 binds at most 100 parameters per statement: attempt rows (11 columns) go in by nines. */
const ATTEMPTS_PER_INSERT = 9;

/**
 * Sent: forgets these deliveries, logs their attempts, renews the lease, in one batch for a run
 * of successes. False once the endpoint is disabled: the lane stops.
 */
export async function recordSuccesses(
  db: Database,
  endpointId: string,
  attempts: readonly NewAttempt[],
  leaseUntil: number,
): Promise<boolean> {
  const eventIds = attempts.map((attempt) => attempt.eventId!);
  const inserts: Statement[] = [];
  for (let start = 0; start < attempts.length; start += ATTEMPTS_PER_INSERT) {
    inserts.push(db.orm.insert(webhookAttempts).values(attempts.slice(start, start + ATTEMPTS_PER_INSERT)));
  }
  const results = await db.atomic([
    db.orm
      .delete(webhookDeliveries)
      .where(and(eq(webhookDeliveries.endpointId, endpointId), inArray(webhookDeliveries.eventId, eventIds))),
    ...inserts,
    db.orm
      .update(webhookEndpoints)
      .set({ failingSince: null, leasedUntil: leaseUntil })
      .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.enabled, true)))
      .returning({ id: webhookEndpoints.id }),
  ]);
  return (results[results.length - 1]?.rows.length ?? 0) > 0;
}

/**
 * Not sent: logs the attempt and frees the lane until `retryAt`; without one (the schedule is
 * spent) the delivery is dropped and the endpoint's next one is due at once.
 */
export async function recordFailure(
  db: Database,
  endpointId: string,
  eventId: number,
  attempt: NewAttempt,
  retryAt: number | null,
  now: number,
): Promise<void> {
  await db.atomic([
    retryAt === null
      ? db.orm.delete(webhookDeliveries).where(theDelivery(endpointId, eventId))
      : db.orm
          .update(webhookDeliveries)
          .set({ attempts: sql`${webhookDeliveries.attempts} + 1` })
          .where(theDelivery(endpointId, eventId)),
    db.orm.insert(webhookAttempts).values(attempt),
    sql`update ${webhookEndpoints} set
          failing_since = coalesce(failing_since, ${now}),
          leased_until = null,
          due_at = ${retryAt ?? sql`case when ${stillQueued(endpointId)} then ${now} else null end`}
        where id = ${endpointId}`,
  ]);
}

/**
 * A 410, or five days of failures: the endpoint is disabled, what it had queued is dropped, and
 * its app's feed says so (an event other endpoints of the app receive). Returns the dispatcher
 * slots that event queued work for.
 */
export async function disableEndpoint(
  db: Database,
  endpointId: string,
  attempt: NewAttempt,
  reason: "GONE" | "FAILING",
  now: number,
): Promise<number[]> {
  const statements: Statement[] = [
    db.orm.insert(webhookAttempts).values(attempt),
    endpointDisabledEvent(endpointId, reason, now),
    db.orm
      .update(webhookEndpoints)
      .set({
        enabled: false,
        disabledReason: reason,
        dueAt: null,
        leasedUntil: null,
        failingSince: null,
        updatedAt: now,
      })
      .where(eq(webhookEndpoints.id, endpointId)),
    db.orm.delete(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId)),
    newlyDue(),
  ];
  const results = await db.atomic(statements);
  return slotsOf(results[results.length - 1]);
}

/** Gives the lane back: due again at once if anything is queued (new events, a yielded turn). */
export async function releaseLane(db: Database, endpointId: string, now: number): Promise<void> {
  await db.atomic([
    sql`update ${webhookEndpoints} set leased_until = null,
          due_at = case when ${stillQueued(endpointId)} then ${now} else null end
        where id = ${endpointId}`,
  ]);
}

/** When a dispatcher has something to do next: the earliest due lane, or a lease that runs out. */
export async function nextWakeAt(db: Database, share?: Share): Promise<number | null> {
  const [row] = await db.orm
    .select({
      at: sql<number | null>`min(max(${webhookEndpoints.dueAt}, coalesce(${webhookEndpoints.leasedUntil}, 0)))`,
    })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.enabled, true), sql`${webhookEndpoints.dueAt} is not null`, inShare(share)));
  return row?.at ?? null;
}

/** The Node process is its file's only dispatcher: leases of a process that died are void. */
export async function releaseAllLeases(db: Database): Promise<void> {
  await db.orm
    .update(webhookEndpoints)
    .set({ leasedUntil: null })
    .where(sql`${webhookEndpoints.leasedUntil} is not null`);
}

const PURGE_BATCH = 10_000;
/** How long the attempt log keeps an attempt (the attempts route says 30 days). */
const ATTEMPT_LOG_MS = 30 * 86_400_000;

/** Forgets attempts past the log's 30 days, a bounded batch at a time; returns how many went. */
export async function purgeAttempts(db: Database, now: number): Promise<number> {
  const old = db.orm
    .select({ id: webhookAttempts.id })
    .from(webhookAttempts)
    .where(lt(webhookAttempts.attemptedAt, now - ATTEMPT_LOG_MS))
    .limit(PURGE_BATCH);
  const [result] = await db.atomic([db.orm.delete(webhookAttempts).where(inArray(webhookAttempts.id, old))]);
  return result?.changes ?? 0;
}
