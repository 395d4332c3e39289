import { and, asc, count, desc, eq, gt, inArray, lt, max, sql } from "drizzle-orm";
import { rfc3339 } from "../clock.js";
import { events, webhookAttempts, webhookDeliveries, webhookEndpoints } from "../db/control-schema.js";
import type { Database, Statement } from "../db/database.js";
import type { APP_EVENT_TYPES } from "../db/enums.js";
import { newId } from "../ids.js";
import { newSecret } from "./signing.js";

export type Endpoint = typeof webhookEndpoints.$inferSelect;
export type Attempt = typeof webhookAttempts.$inferSelect;
export type NewAttempt = typeof webhookAttempts.$inferInsert;
type EventType = (typeof APP_EVENT_TYPES)[number];

/** How long the old secret keeps signing after a rotation: receivers have a day to switch. */
const ROTATION_OVERLAP_MS = 24 * 3_600_000;
/** Dispatcher slots an endpoint may fall in; Workers run a divisor of this many dispatchers. */
const SLOTS = 1024;
/** Feed events one replay call queues at most; the answer says where to go on. */
export const REPLAY_LIMIT = 10_000;

export function endpointView(endpoint: Endpoint, now: number) {
  const rotating = endpoint.previousSecretUntil !== null && endpoint.previousSecretUntil > now;
  return {
    id: endpoint.id,
    url: endpoint.url,
    event_types: endpoint.eventTypes ?? null,
    enabled: endpoint.enabled,
    disabled_reason: endpoint.disabledReason,
    previous_secret_expires_at: rotating ? rfc3339(endpoint.previousSecretUntil) : null,
    created_at: rfc3339(endpoint.createdAt),
    updated_at: rfc3339(endpoint.updatedAt),
  };
}

export function attemptView(attempt: Attempt) {
  return {
    id: attempt.id,
    webhook_id: attempt.webhookId,
    event_id: attempt.eventId,
    event_type: attempt.eventType,
    attempted_at: rfc3339(attempt.attemptedAt),
    status: attempt.succeeded ? ("succeeded" as const) : ("failed" as const),
    response_status: attempt.responseStatus,
    latency_ms: attempt.latencyMs,
    error: attempt.error,
    response_body: attempt.responseBody,
    next_retry_at: rfc3339(attempt.nextRetryAt),
  };
}

export async function countEndpoints(db: Database, appId: string): Promise<number> {
  const [row] = await db.orm.select({ n: count() }).from(webhookEndpoints).where(eq(webhookEndpoints.appId, appId));
  return row?.n ?? 0;
}

export async function createEndpoint(
  db: Database,
  now: number,
  input: { appId: string; url: string; eventTypes: EventType[] | null; enabled: boolean },
): Promise<Endpoint> {
  const endpoint: Endpoint = {
    id: newId("wh"),
    appId: input.appId,
    url: input.url,
    eventTypes: input.eventTypes,
    enabled: input.enabled,
    disabledReason: null,
    secret: newSecret(),
    previousSecret: null,
    previousSecretUntil: null,
    slot: Math.floor(Math.random() * SLOTS),
    dueAt: null,
    leasedUntil: null,
    failingSince: null,
    createdAt: now,
    updatedAt: now,
  };
  await db.orm.insert(webhookEndpoints).values(endpoint);
  return endpoint;
}

/** The app's endpoint, or undefined: another app's endpoint is indistinguishable from none. */
export async function findEndpoint(db: Database, appId: string, id: string): Promise<Endpoint | undefined> {
  const [row] = await db.orm
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.appId, appId)));
  return row;
}

export async function listEndpoints(db: Database, appId: string, afterId: string | undefined, limit: number) {
  return db.orm
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.appId, appId), afterId === undefined ? undefined : gt(webhookEndpoints.id, afterId)))
    .orderBy(asc(webhookEndpoints.id))
    .limit(limit);
}

export interface EndpointChanges {
  url?: string;
  eventTypes?: EventType[] | null;
  enabled?: boolean;
}

/**
 * Applies the changes. Disabling drops what was queued (a replay backfills it); enabling clears
 * why the registry had disabled it and its record of failures.
 */
export async function updateEndpoint(db: Database, now: number, endpoint: Endpoint, changes: EndpointChanges) {
  const updated: Endpoint = { ...endpoint, updatedAt: now };
  if (changes.url !== undefined) updated.url = changes.url;
  if (changes.eventTypes !== undefined) updated.eventTypes = changes.eventTypes;
  if (changes.enabled === true && !endpoint.enabled) {
    Object.assign(updated, { enabled: true, disabledReason: null, failingSince: null, dueAt: null, leasedUntil: null });
  }
  if (changes.enabled === false) Object.assign(updated, { enabled: false, dueAt: null, leasedUntil: null });
  const statements: Statement[] = [
    db.orm
      .update(webhookEndpoints)
      .set({
        url: updated.url,
        eventTypes: updated.eventTypes,
        enabled: updated.enabled,
        disabledReason: updated.disabledReason,
        failingSince: updated.failingSince,
        dueAt: updated.dueAt,
        leasedUntil: updated.leasedUntil,
        updatedAt: now,
      })
      .where(eq(webhookEndpoints.id, endpoint.id)),
  ];
  if (!updated.enabled) {
    statements.push(db.orm.delete(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint.id)));
  }
  await db.atomic(statements);
  return updated;
}

export async function deleteEndpoint(db: Database, appId: string, id: string): Promise<boolean> {
  const [result] = await db.atomic([
    db.orm.delete(webhookEndpoints).where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.appId, appId))),
  ]);
  return (result?.changes ?? 0) > 0;
}

/** A new secret; the current one keeps signing beside it for ROTATION_OVERLAP_MS. */
export async function rotateSecret(db: Database, now: number, endpoint: Endpoint): Promise<Endpoint> {
  const rotated = {
    secret: newSecret(),
    previousSecret: endpoint.secret,
    previousSecretUntil: now + ROTATION_OVERLAP_MS,
    updatedAt: now,
  };
  await db.orm.update(webhookEndpoints).set(rotated).where(eq(webhookEndpoints.id, endpoint.id));
  return { ...endpoint, ...rotated };
}

/** The endpoint's attempts, newest first, before the given attempt id. */
export async function listAttempts(db: Database, endpointId: string, beforeId: number | undefined, limit: number) {
  return db.orm
    .select()
    .from(webhookAttempts)
    .where(
      and(
        eq(webhookAttempts.endpointId, endpointId),
        beforeId === undefined ? undefined : lt(webhookAttempts.id, beforeId),
      ),
    )
    .orderBy(desc(webhookAttempts.id))
    .limit(limit);
}

export async function recordAttempt(db: Database, attempt: NewAttempt): Promise<Attempt> {
  const [row] = await db.orm.insert(webhookAttempts).values(attempt).returning();
  return row!;
}

const typeFilter = (eventTypes: EventType[] | null) =>
  eventTypes === null ? undefined : inArray(events.type, eventTypes);

/**
 * Queues the app's feed events after `after` for this endpoint (at most REPLAY_LIMIT, those of
 * its types), beside what is queued already: an event queued twice is sent once.
 */
export async function replay(db: Database, endpoint: Endpoint, after: number) {
  const window = and(eq(events.appId, endpoint.appId), gt(events.id, after), typeFilter(endpoint.eventTypes ?? null));
  const inWindow = db.orm
    .select({ id: events.id })
    .from(events)
    .where(window)
    .orderBy(asc(events.id))
    .limit(REPLAY_LIMIT)
    .as("in_window");
  const [last] = await db.orm.select({ through: max(inWindow.id) }).from(inWindow);
  const through = last?.through ?? null;
  if (through === null) return { queued: 0, nextAfter: null };
  const [inserted] = await db.atomic([
    sql`insert into ${webhookDeliveries} (endpoint_id, event_id)
        select ${endpoint.id}, ${events.id} from ${events} where ${window} and ${events.id} <= ${through}
        on conflict do nothing`,
    sql`update ${webhookEndpoints} set due_at = 0 where id = ${endpoint.id} and due_at is null`,
  ]);
  const [more] = await db.orm
    .select({ id: events.id })
    .from(events)
    .where(and(window, gt(events.id, through)))
    .limit(1);
  return { queued: inserted?.changes ?? 0, nextAfter: more ? through : null };
}
