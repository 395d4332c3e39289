import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { PublicJwks } from "../auth/keys.js";
import { APP_EVENT_TYPES, CLIENT_KINDS } from "./enums.js";

// The control plane: small tables every request may read (through short caches), D1 on Workers,
// the one SQLite file on Node. Times are integer milliseconds since the epoch (UTC).

export const clients = sqliteTable("clients", {
  id: text("id").primaryKey(),
  kind: text("kind", { enum: CLIENT_KINDS }).notNull(),
  name: text("name").notNull(),
  jwks: text("jwks", { mode: "json" }).notNull().$type<PublicJwks>(),
  numberPrefixes: text("number_prefixes", { mode: "json" }).notNull().$type<string[]>().default(sql`'[]'`),
  disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
  /** Carriers: where the people page sends a person to sign in (their own login, SMS code, app). */
  personSignInUrl: text("person_sign_in_url"),
  /** Carriers: since when their events are complete; before it, "was it recycled?" has no data. */
  reportingSince: integer("reporting_since"),
  /** The operator's override of the client's request budget (`200/s`); null: the kind's default. */
  rateLimit: text("rate_limit"),
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

/** The app event feed. */
export const events = sqliteTable(
  "events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** The id the shard gave the event: a redelivered event is recognised and dropped. */
    eventKey: text("event_key"),
    appId: text("app_id").notNull(),
    type: text("type", { enum: APP_EVENT_TYPES }).notNull(),
    occurredAt: integer("occurred_at").notNull(),
    data: text("data", { mode: "json" }).notNull().$type<Record<string, unknown>>(),
  },
  (t) => [index("events_app").on(t.appId, t.id), uniqueIndex("events_key").on(t.eventKey)],
);

export const controlSchema = { clients, usedAssertions, auditLog, events };
