import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { APP_EVENT_TYPES, BINDING_STATUSES, CARRIER_EVENT_TYPES, END_REASONS, NUMBER_STATES } from "./enums.js";

// Times are integer milliseconds since the epoch (UTC): cheap to compare and index, rendered as
// RFC 3339 at the edge. Phone numbers exist only as `phone_hash` (HMAC-SHA256 under the pepper,
// base64url) and `phone_hint` (masked), never in plain form.

export const bindings = sqliteTable(
  "bindings",
  {
    id: text("id").primaryKey(),
    appId: text("app_id").notNull(),
    phoneHash: text("phone_hash").notNull(),
    phoneHint: text("phone_hint").notNull(),
    accountRef: text("account_ref").notNull(),
    status: text("status", { enum: BINDING_STATUSES }).notNull(),
    boundAt: integer("bound_at").notNull(),
    verifiedAt: integer("verified_at").notNull(),
    lastSeenAt: integer("last_seen_at").notNull(),
    endedAt: integer("ended_at"),
    endReason: text("end_reason", { enum: END_REASONS }),
  },
  (t) => [
    uniqueIndex("bindings_identity").on(t.appId, t.phoneHash, t.accountRef),
    index("bindings_app_list").on(t.appId, t.id),
    index("bindings_number").on(t.phoneHash),
    // The sweeper walks stored-active bindings by age; a partial index keeps it small.
    index("bindings_sweep").on(t.lastSeenAt).where(sql`status = 'active'`),
  ],
);

/** What the registry knows of a number's life, from carrier events. */
export const numbers = sqliteTable("numbers", {
  phoneHash: text("phone_hash").primaryKey(),
  state: text("state", { enum: NUMBER_STATES }).notNull(),
  stateChangedAt: integer("state_changed_at").notNull(),
  lastReassignedAt: integer("last_reassigned_at"),
  /** Set by a port: this carrier is responsible whatever the prefixes say. */
  carrierId: text("carrier_id"),
  updatedAt: integer("updated_at").notNull(),
});

/** Carrier-reported events, keyed by the carrier's own id so a resend is harmless. */
export const carrierEvents = sqliteTable(
  "carrier_events",
  {
    carrierId: text("carrier_id").notNull(),
    eventId: text("event_id").notNull(),
    phoneHash: text("phone_hash").notNull(),
    type: text("type", { enum: CARRIER_EVENT_TYPES }).notNull(),
    occurredAt: integer("occurred_at").notNull(),
    toCarrier: text("to_carrier"),
    recordedAt: integer("recorded_at").notNull(),
    /** A random token per attempt: effects run only where this attempt's row is the stored one. */
    applyToken: text("apply_token").notNull(),
  },
  (t) => [primaryKey({ columns: [t.carrierId, t.eventId] })],
);

/**
 * App events this shard produced, written in the same transaction as the change they tell of, and
 * moved to the app's feed (control plane) afterwards: at least once, the feed drops duplicates.
 */
export const outbox = sqliteTable("outbox", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  eventKey: text("event_key").notNull(),
  appId: text("app_id").notNull(),
  type: text("type", { enum: APP_EVENT_TYPES }).notNull(),
  occurredAt: integer("occurred_at").notNull(),
  data: text("data", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
});

export const shardSchema = { bindings, numbers, carrierEvents, outbox };
