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

export const WEBHOOK_DISABLED_REASONS = ["GONE", "FAILING"] as const;

/**
 * An app's webhook endpoint, and its delivery lane's schedule: `due_at` is when its oldest queued
 * delivery may be sent (null: nothing queued; 0: queued by the feed trigger, send at once),
 * `leased_until` holds the lane for one dispatcher at a time, so an endpoint has one delivery in
 * flight and gets its events in feed order.
 */
export const webhookEndpoints = sqliteTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    appId: text("app_id").notNull(),
    url: text("url").notNull(),
    /** The event types sent; null: every type. */
    eventTypes: text("event_types", { mode: "json" }).$type<(typeof APP_EVENT_TYPES)[number][]>(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    /** Why the registry disabled it (410, or five days of failures); null when the app did. */
    disabledReason: text("disabled_reason", { enum: WEBHOOK_DISABLED_REASONS }),
    secret: text("secret").notNull(),
    /** After a rotation, the old secret signs too until `previous_secret_until`. */
    previousSecret: text("previous_secret"),
    previousSecretUntil: integer("previous_secret_until"),
    /** Which dispatcher serves it on Workers (slot modulo their count); fixed at creation. */
    slot: integer("slot").notNull(),
    dueAt: integer("due_at"),
    leasedUntil: integer("leased_until"),
    /** The first failure since the last success: five days of failures disable the endpoint. */
    failingSince: integer("failing_since"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("webhook_endpoints_app").on(t.appId), index("webhook_endpoints_due").on(t.dueAt)],
);

/**
 * The webhook outbox: one row per endpoint and feed event still to be sent. The trigger in
 * migrations/control/0002_webhooks.sql writes these rows in the same statement as the feed row
 * (drizzle-kit does not model triggers: it lives in that migration only).
 */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    eventId: integer("event_id")
      .notNull()
      .references(() => events.id, { onDelete: "cascade" }),
    /** Failed attempts so far. */
    attempts: integer("attempts").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.endpointId, t.eventId] })],
);

/** Every attempt to send, and each test: what an app reads to debug its receiver. */
export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    endpointId: text("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    /** The feed event; null for a test. */
    eventId: integer("event_id"),
    webhookId: text("webhook_id").notNull(),
    eventType: text("event_type").notNull(),
    attemptedAt: integer("attempted_at").notNull(),
    succeeded: integer("succeeded", { mode: "boolean" }).notNull(),
    responseStatus: integer("response_status"),
    latencyMs: integer("latency_ms").notNull(),
    error: text("error"),
    /** The start of the receiver's answer, capped. */
    responseBody: text("response_body"),
    nextRetryAt: integer("next_retry_at"),
  },
  (t) => [index("webhook_attempts_endpoint").on(t.endpointId, t.id), index("webhook_attempts_at").on(t.attemptedAt)],
);

export const controlSchema = {
  clients,
  usedAssertions,
  auditLog,
  events,
  webhookEndpoints,
  webhookDeliveries,
  webhookAttempts,
};
