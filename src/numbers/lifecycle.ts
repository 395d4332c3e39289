import { and, eq, lt, sql } from "drizzle-orm";
import { activeAt, endActive, writeBindingEvents } from "../bindings/store.js";
import type { CARRIER_EVENT_TYPES } from "../db/enums.js";
import { bindings, carrierEvents, numbers } from "../db/shard-schema.js";
import type { ShardStore } from "../db/shard-store.js";

type CarrierEventType = (typeof CARRIER_EVENT_TYPES)[number];

/** A carrier event as its number's shard receives it: the number only as its hash. */
export interface CarrierEvent {
  id: string;
  phoneHash: string;
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
 * Records one carrier event and applies its effects in one transaction. The event is stored under
 * the carrier's own id first: a resent id inserts nothing, and then nothing else happens either.
 */
export function applyCarrierEvent(
  store: ShardStore,
  carrierId: string,
  event: CarrierEvent,
  now: number,
  inactivityMs: number,
): "recorded" | "duplicate" {
  return store.transaction(() => {
    const { orm } = store;
    const inserted = orm
      .insert(carrierEvents)
      .values({
        carrierId,
        eventId: event.id,
        phoneHash: event.phoneHash,
        type: event.type,
        occurredAt: event.occurredAt,
        toCarrier: event.toCarrier ?? null,
        recordedAt: now,
        applyToken: "",
      })
      .onConflictDoNothing()
      .returning({ eventId: carrierEvents.eventId })
      .all();
    if (inserted.length === 0) return "duplicate";

    const state = STATE_AFTER[event.type];
    const changesState = state !== null ? 1 : 0;
    // A backfilled event never overrides a later state; a reassignment only ever moves forward.
    orm.run(sql`insert into ${numbers} (phone_hash, state, state_changed_at, last_reassigned_at, carrier_id, updated_at)
        values (${event.phoneHash}, ${state ?? "active"}, ${state === null ? 0 : event.occurredAt},
                ${event.type === "reassigned" ? event.occurredAt : null}, ${event.type === "ported" ? event.toCarrier! : null}, ${now})
        on conflict (phone_hash) do update set
          state = case when ${changesState} and excluded.state_changed_at >= numbers.state_changed_at then excluded.state else numbers.state end,
          state_changed_at = case when ${changesState} and excluded.state_changed_at >= numbers.state_changed_at then excluded.state_changed_at else numbers.state_changed_at end,
          last_reassigned_at = case when excluded.last_reassigned_at is not null and (numbers.last_reassigned_at is null or excluded.last_reassigned_at > numbers.last_reassigned_at) then excluded.last_reassigned_at else numbers.last_reassigned_at end,
          carrier_id = coalesce(excluded.carrier_id, numbers.carrier_id),
          updated_at = excluded.updated_at`);
    const onNumber = eq(bindings.phoneHash, event.phoneHash);
    if (event.type === "reassigned") {
      // Only bindings verified before the new subscriber took the number end: a backfilled
      // reassignment between two verifications ends exactly the older one.
      endActive(orm, and(onNumber, lt(bindings.verifiedAt, event.occurredAt))!, "NUMBER_RECYCLED", now, inactivityMs);
    }
    if (event.type === "deactivated") {
      writeBindingEvents(orm, "number.deactivated", event.occurredAt, and(onNumber, activeAt(now, inactivityMs))!);
    }
    return "recorded";
  });
}
