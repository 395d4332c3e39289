import { and, eq, lt, type SQL, sql } from "drizzle-orm";
import { activeAt, bindingEventsInsert, endActiveStatements } from "../bindings/store.js";
import type { Database, Statement, StatementResult } from "../db/database.js";
import type { CARRIER_EVENT_TYPES } from "../db/enums.js";
import { bindings, carrierEvents } from "../db/shard-schema.js";
import type { PhoneNumber } from "../phone.js";

type CarrierEventType = (typeof CARRIER_EVENT_TYPES)[number];

export interface CarrierEvent {
  id: string;
  phone: PhoneNumber;
  type: CarrierEventType;
  occurredAt: number;
  toCarrier?: string;
}

const STATE_AFTER: Record<CarrierEventType, "active" | "suspended" | "deactivated" | null> = {
  suspended: "suspended",
  deactivated: "deactivated",
  reassigned: "active",
  reactivated: "active",
  ported: null,
};

/**
 * The statements that record one carrier event and apply its effects, as one atomic unit.
 * The first inserts the event under the carrier's own id with a random token; every effect is
 * guarded by "this attempt's row is the stored one", so a resent id changes nothing.
 */
export function eventStatements(
  db: Database,
  carrierId: string,
  event: CarrierEvent,
  now: number,
  inactivityMs: number,
): Statement[] {
  const token = crypto.randomUUID();
  const applied: SQL = sql`exists (select 1 from ${carrierEvents} where ${carrierEvents.carrierId} = ${carrierId} and ${carrierEvents.eventId} = ${event.id} and ${carrierEvents.applyToken} = ${token})`;
  const state = STATE_AFTER[event.type];
  const reassignedAt = event.type === "reassigned" ? event.occurredAt : null;
  const portedTo = event.type === "ported" ? event.toCarrier! : null;
  const statements: Statement[] = [
    db.orm
      .insert(carrierEvents)
      .values({
        carrierId,
        eventId: event.id,
        phoneHash: event.phone.hash,
        type: event.type,
        occurredAt: event.occurredAt,
        toCarrier: event.toCarrier ?? null,
        recordedAt: now,
        applyToken: token,
      })
      .onConflictDoNothing()
      .returning({ eventId: carrierEvents.eventId }),
    // A backfilled event never overrides a later state; a reassignment only ever moves forward.
    sql`insert into numbers (phone_hash, state, state_changed_at, last_reassigned_at, carrier_id, updated_at)
        select ${event.phone.hash}, ${state ?? "active"}, ${state === null ? 0 : event.occurredAt}, ${reassignedAt}, ${portedTo}, ${now}
        where ${applied}
        on conflict (phone_hash) do update set
          state = case when ${state !== null ? 1 : 0} and excluded.state_changed_at >= numbers.state_changed_at then excluded.state else numbers.state end,
          state_changed_at = case when ${state !== null ? 1 : 0} and excluded.state_changed_at >= numbers.state_changed_at then excluded.state_changed_at else numbers.state_changed_at end,
          last_reassigned_at = case when excluded.last_reassigned_at is not null and (numbers.last_reassigned_at is null or excluded.last_reassigned_at > numbers.last_reassigned_at) then excluded.last_reassigned_at else numbers.last_reassigned_at end,
          carrier_id = coalesce(excluded.carrier_id, numbers.carrier_id),
          updated_at = excluded.updated_at`,
  ];
  if (event.type === "reassigned") {
    // Only bindings verified before the new subscriber took the number end: a backfilled
    // reassignment between two verifications ends exactly the older one.
    statements.push(
      ...endActiveStatements(
        db,
        and(eq(bindings.phoneHash, event.phone.hash), lt(bindings.verifiedAt, event.occurredAt), applied)!,
        "NUMBER_RECYCLED",
        now,
        inactivityMs,
      ),
    );
  }
  if (event.type === "deactivated") {
    statements.push(
      bindingEventsInsert(
        db,
        "number.deactivated",
        event.occurredAt,
        and(eq(bindings.phoneHash, event.phone.hash), activeAt(now, inactivityMs), applied)!,
      ),
    );
  }
  return statements;
}

/** Whether the first statement's insert happened: a returning row means recorded. */
export function wasRecorded(result: StatementResult | undefined): boolean {
  return result?.changes === 1;
}
