import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

import type { PublicJwks } from "../auth/keys.js";
/** The closed sets of values, declared once: the schema, the zod schemas and the rules use these. */
export const CLIENT_KINDS = ["app", "carrier", "admin"] as const;
export const BINDING_STATUSES = ["active", "expired", "unbound"] as const;
export const END_REASONS = ["APP_UNBOUND", "INACTIVITY", "NUMBER_RECYCLED", "USER_REQUEST"] as const;
export const NUMBER_STATES = ["active", "suspended", "deactivated"] as const;
export const CARRIER_EVENT_TYPES = ["suspended", "deactivated", "reassigned", "reactivated", "ported"] as const;
export const APP_EVENT_TYPES = ["binding.expired", "binding.unbound", "number.deactivated"] as const;

// Times are integer milliseconds since the epoch (UTC): cheap to compare and index, rendered as
// RFC 3339 at the edge. Phone numbers exist only as `phone_hash` (HMAC-SHA256 under the pepper,
// base64url) and `phone_hint` (masked), never in plain form.

export const clients = sqliteTable("clients", {
  id: text("id").primaryKey(),
  kind: text("kind", { enum: CLIENT_KINDS }).notNull(),
  name: text("name").notNull(),
  jwks: text("jwks", { mode: "json" }).notNull().$type<PublicJwks>(),
  numberPrefixes: text("number_prefixes", { mode: "json" }).notNull().$type<string[]>().default(sql`'[]'`),
  disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** RFC 7523 §3: an assertion's jti is single-use; kept until the assertion's own expiry. */
export const usedAssertions = sqliteTable(
  "used_assertions",
  {
    clientId: text("client_id").notNull(),
    jti: text("jti").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.clientId, t.jti] }), index("used_assertions_expires").on(t.expiresAt)],
);

export const auditLog = sqliteTable("audit_log", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  at: integer("at").notNull(),
  actorKind: text("actor_kind").notNull(),
  actorId: text("actor_id").notNull(),
  action: text("action").notNull(),
  detail: text("detail", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
});

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

/** The app event feed. */
export const events = sqliteTable(
  "events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    appId: text("app_id").notNull(),
    type: text("type", { enum: APP_EVENT_TYPES }).notNull(),
    occurredAt: integer("occurred_at").notNull(),
    data: text("data", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
  },
  (t) => [index("events_app").on(t.appId, t.id)],
);

export const schema = { clients, usedAssertions, auditLog, bindings, numbers, carrierEvents, events };
