import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, inArray, sql } from "drizzle-orm";
import { auditStatement } from "../admin/audit.js";
import { requireScope } from "../auth/middleware.js";
import { MAX_CLOCK_SKEW_MS } from "../bindings/login.js";
import { rfc3339 } from "../clock.js";
import { chunk, lookupMany, MAX_BOUND_PARAMETERS } from "../db/database.js";
import { carrierEvents, clients } from "../db/schema.js";
import type { AppEnv } from "../env.js";
import type { PhoneNumber } from "../phone.js";
import { Problem, problemResponses, type FieldError } from "../problems.js";
import { AUTH_ERRORS, parsePhone, PhoneNumberInput, security, Timestamp, TimestampOut } from "../schemas.js";
import { outstandingBindings, signAttestation } from "./check.js";
import { EVENT_TYPES, eventStatements, wasRecorded, type CarrierEvent } from "./lifecycle.js";
import { numbersOutsideResponsibility } from "./responsibility.js";

const MAX_NUMBERS = 1000;
/** Events per atomic unit: each event is atomic on its own; grouping saves round trips. */
const EVENTS_PER_UNIT = 25;

const CheckRequest = z.strictObject({ phone_numbers: z.array(PhoneNumberInput).min(1).max(MAX_NUMBERS) }).openapi("BindingCheckRequest");

const CheckResponse = z
  .object({
    checked_at: TimestampOut,
    results: z.array(
      z.object({
        phone_number: z.string().openapi({ description: "E.164, in request order." }),
        outstanding: z.number().int().openapi({ description: "Active bindings (accounts) on the number." }),
        apps: z.array(
          z.object({ app_id: z.string(), app_name: z.string(), bound_at: TimestampOut, last_seen_at: TimestampOut, expires_at: TimestampOut }),
        ),
      }),
    ),
    attestation: z.string().openapi({
      description: "JWT (typ binding-check+jwt) signed by the registry: iss, iat, jti, sub = carrier, results [{phone_number, outstanding, app_ids}].",
    }),
  })
  .openapi("BindingCheckResponse");

const EventInput = z
  .strictObject({
    id: z.string().min(1).max(128).openapi({ description: "The carrier's own event id; resending it is harmless." }),
    phone_number: PhoneNumberInput,
    type: z.enum(EVENT_TYPES),
    occurred_at: Timestamp.openapi({ description: "May lie in the past (backfill); never more than 5 minutes ahead." }),
    to_carrier: z.string().min(1).max(64).optional().openapi({ description: "For ported: the receiving carrier's client id." }),
  })
  .openapi("CarrierEvent");

const EventsRequest = z.strictObject({ events: z.array(EventInput).min(1).max(MAX_NUMBERS) }).openapi("CarrierEventsRequest");
const EventsResponse = z
  .object({ results: z.array(z.object({ id: z.string(), status: z.enum(["recorded", "duplicate"]) })) })
  .openapi("CarrierEventsResponse");

const numbersScope = requireScope("numbers");
const commonErrors = ["INVALID_ARGUMENT", ...AUTH_ERRORS, "NUMBER_NOT_IN_RANGE", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"] as const;

const checkRoute = createRoute({
  method: "post",
  path: "/v1/numbers/bindings",
  tags: ["Numbers"],
  summary: "Which apps still hold these numbers (before resale)",
  description: "Only active bindings count. A number outside the carrier's responsibility refuses the whole request (403 NUMBER_NOT_IN_RANGE).",
  security,
  middleware: [numbersScope] as const,
  request: { body: { required: true, content: { "application/json": { schema: CheckRequest } } } },
  responses: { 200: { description: "Per number, in request order, with a signed receipt.", content: { "application/json": { schema: CheckResponse } } }, ...problemResponses(...commonErrors) },
});

const eventsRoute = createRoute({
  method: "post",
  path: "/v1/numbers/events",
  tags: ["Numbers"],
  summary: "Report what happened to numbers",
  description:
    "suspended and reactivated are informational; deactivated tells the apps holding the number; reassigned ends every binding verified " +
    "before occurred_at (NUMBER_RECYCLED); ported moves responsibility to to_carrier and leaves bindings alone. A bad event refuses the whole request.",
  security,
  middleware: [numbersScope] as const,
  request: { body: { required: true, content: { "application/json": { schema: EventsRequest } } } },
  responses: { 200: { description: "Per event: recorded, or duplicate of an id sent before.", content: { "application/json": { schema: EventsResponse } } }, ...problemResponses(...commonErrors) },
});

function parsePhones(c: { var: AppEnv["Variables"] }, inputs: string[], pointer: (index: number) => string): PhoneNumber[] {
  const errors: FieldError[] = [];
  const phones = inputs.map((input, index) => {
    try {
      return parsePhone(c.var.runtime, input, pointer(index));
    } catch (error) {
      if (error instanceof Problem && error.errors) errors.push(...error.errors);
      else throw error;
      return undefined;
    }
  });
  if (errors.length > 0) throw new Problem("INVALID_ARGUMENT", `${errors.length} phone number(s) are not valid`, errors);
  return phones as PhoneNumber[];
}

async function assertResponsible(
  c: { var: AppEnv["Variables"] },
  phones: PhoneNumber[],
  pointer: (index: number) => string,
  exempt: (index: number) => boolean = () => false,
) {
  const checked = phones.flatMap((phone, index) => (exempt(index) ? [] : [{ phone, index }]));
  const outside = (await numbersOutsideResponsibility(c.var.runtime.db, { id: c.var.principal.clientId }, checked.map((entry) => entry.phone))).map(
    (position) => checked[position]!.index,
  );
  if (outside.length > 0) {
    throw new Problem(
      "NUMBER_NOT_IN_RANGE",
      `${outside.length} number(s) are not this carrier's responsibility; nothing was done`,
      outside.map((index) => ({ pointer: pointer(index), detail: "not in this carrier's ranges, or ported away" })),
    );
  }
}

export function registerNumbers(app: OpenAPIHono<AppEnv>): void {
  app.openapi(checkRoute, async (c) => {
    const { runtime, principal } = c.var;
    const pointer = (index: number) => `/phone_numbers/${index}`;
    const phones = parsePhones(c, c.req.valid("json").phone_numbers, pointer);
    await assertResponsible(c, phones, pointer);
    const now = runtime.clock();
    const { inactivityMs } = runtime.config;
    const checks = await outstandingBindings(runtime.db, phones, now, inactivityMs);
    const attestation = await signAttestation(runtime.signer, runtime.keys[0]!, runtime.config.issuer, principal.clientId, checks, now);
    const hashes = [...new Set(phones.map((phone) => phone.hash))];
    await runtime.db.atomic([
      auditStatement(runtime.db, {
        at: now,
        actor: principal,
        action: "numbers.checked",
        // Hashes for evidence on small checks; a count only for bulk ones, to keep the log lean.
        detail: { count: phones.length, outstanding: checks.reduce((sum, check) => sum + check.outstanding, 0), ...(hashes.length <= 100 ? { phone_hashes: hashes } : {}) },
      }),
    ]);
    return c.json(
      {
        checked_at: rfc3339(now),
        results: checks.map((check) => ({
          phone_number: check.phone.e164,
          outstanding: check.outstanding,
          apps: check.apps.map((held) => ({
            app_id: held.appId,
            app_name: held.appName,
            bound_at: rfc3339(held.boundAt),
            last_seen_at: rfc3339(held.lastSeenAt),
            expires_at: rfc3339(held.lastSeenAt + inactivityMs),
          })),
        })),
        attestation,
      },
      200,
    );
  });

  app.openapi(eventsRoute, async (c) => {
    const { runtime, principal } = c.var;
    const body = c.req.valid("json");
    const now = runtime.clock();
    const phones = parsePhones(c, body.events.map((event) => event.phone_number), (index) => `/events/${index}/phone_number`);

    // Every event is checked before any is applied: a bad one fails the whole request.
    const errors: FieldError[] = [];
    const wantedCarriers = [...new Set(body.events.flatMap((event) => (event.to_carrier ? [event.to_carrier] : [])))];
    const knownCarriers = new Set<string>();
    for (const part of chunk(wantedCarriers, 90)) {
      const rows = await runtime.db.orm.select({ id: clients.id }).from(clients).where(and(inArray(clients.id, part), eq(clients.kind, "carrier")));
      for (const row of rows) knownCarriers.add(row.id);
    }
    const events: CarrierEvent[] = body.events.map((event, index) => {
      const occurredAt = Date.parse(event.occurred_at);
      if (occurredAt > now + MAX_CLOCK_SKEW_MS) errors.push({ pointer: `/events/${index}/occurred_at`, detail: "more than 5 minutes in the future" });
      if (event.type === "ported") {
        if (!event.to_carrier || !knownCarriers.has(event.to_carrier)) errors.push({ pointer: `/events/${index}/to_carrier`, detail: "a port needs to_carrier, an existing carrier's client id" });
        else if (event.to_carrier === principal.clientId) errors.push({ pointer: `/events/${index}/to_carrier`, detail: "a carrier cannot port a number to itself" });
      } else if (event.to_carrier !== undefined) {
        errors.push({ pointer: `/events/${index}/to_carrier`, detail: "only a ported event has to_carrier" });
      }
      return { id: event.id, phone: phones[index]!, type: event.type, occurredAt, toCarrier: event.to_carrier };
    });
    if (errors.length > 0) throw new Problem("INVALID_ARGUMENT", `${errors.length} event(s) are not valid; nothing was applied`, errors);
    // A resent event is a harmless duplicate even when its number has since left this carrier
    // (a retried batch that ported it away must not turn into a 403 forever).
    const sentBefore = new Set(
      (
        await lookupMany<{ eventId: string }>(
          runtime.db,
          "recorded-carrier-events",
          MAX_BOUND_PARAMETERS - 1,
          (db, keys) =>
            db.orm
              .select({ eventId: carrierEvents.eventId })
              .from(carrierEvents)
              .where(and(eq(carrierEvents.carrierId, sql.placeholder("carrierId")), inArray(carrierEvents.eventId, keys)))
              .prepare(),
          [...new Set(events.map((event) => event.id))],
          { carrierId: principal.clientId },
        )
      ).map((row) => row.eventId),
    );
    await assertResponsible(c, phones, (index) => `/events/${index}/phone_number`, (index) => sentBefore.has(events[index]!.id));

    const statuses: ("recorded" | "duplicate")[] = [];
    for (const unit of chunk(events, EVENTS_PER_UNIT)) {
      const perEvent = unit.map((event) => eventStatements(runtime.db, principal.clientId, event, now, runtime.config.inactivityMs));
      const results = await runtime.db.atomic(perEvent.flat());
      let offset = 0;
      for (const statements of perEvent) {
        statuses.push(wasRecorded(results[offset]) ? "recorded" : "duplicate");
        offset += statements.length;
      }
    }
    await runtime.db.atomic([
      auditStatement(runtime.db, {
        at: now,
        actor: principal,
        action: "numbers.events_reported",
        detail: {
          count: events.length,
          recorded: statuses.filter((status) => status === "recorded").length,
          types: [...new Set(events.map((event) => event.type))],
          ...(events.length <= 100 ? { phone_hashes: [...new Set(events.map((event) => event.phone.hash))] } : {}),
        },
      }),
    ]);
    return c.json({ results: events.map((event, index) => ({ id: event.id, status: statuses[index]! })) }, 200);
  });
}
