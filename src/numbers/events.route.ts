import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { auditStatement } from "../admin/audit.js";
import { MAX_CLOCK_SKEW_MS } from "../clock.js";
import { CARRIER_EVENT_TYPES } from "../db/enums.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json, PhoneNumberInput, Timestamp } from "../http/openapi.js";
import { type FieldError, Problem } from "../http/problems.js";
import { parsePhones } from "../http/validation.js";
import { MAX_NUMBERS_PER_REQUEST } from "./check.route.js";
import { reportEvents } from "./report-events.js";
import { existingCarriers } from "./store.js";

const EventInput = z
  .strictObject({
    id: z.string().min(1).max(128).openapi({ description: "The carrier's own event id; resending it is harmless." }),
    phone_number: PhoneNumberInput,
    type: z.enum(CARRIER_EVENT_TYPES),
    occurred_at: Timestamp.openapi({ description: "May lie in the past (backfill); never more than 5 minutes ahead." }),
    to_carrier: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: "For ported: the receiving carrier's client id." }),
  })
  .openapi("CarrierEvent");

const EventsRequest = z
  .strictObject({ events: z.array(EventInput).min(1).max(MAX_NUMBERS_PER_REQUEST) })
  .openapi("CarrierEventsRequest");
const EventsResponse = z
  .object({ results: z.array(z.object({ id: z.string(), status: z.enum(["recorded", "duplicate"]) })) })
  .openapi("CarrierEventsResponse");

const route = defineRoute({
  method: "post",
  path: "/v1/numbers/events",
  tags: ["Numbers"],
  summary: "Report what happened to numbers",
  description:
    "suspended and reactivated are informational; deactivated tells the apps holding the number; reassigned ends every binding verified " +
    "before occurred_at (NUMBER_RECYCLED); ported moves responsibility to to_carrier and leaves bindings alone. A bad event refuses the whole request.",
  scope: "numbers",
  errors: ["NUMBER_NOT_IN_RANGE"],
  request: { body: { required: true, content: json(EventsRequest) } },
  responses: {
    200: { description: "Per event: recorded, or duplicate of an id sent before.", content: json(EventsResponse) },
  },
});

export function registerReportEvents(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    const body = c.req.valid("json");
    const now = runtime.clock();
    const pointer = (index: number) => `/events/${index}/phone_number`;
    const phones = parsePhones(
      runtime,
      body.events.map((event) => event.phone_number),
      pointer,
    );

    // Every event is checked before any is applied: a bad one fails the whole request.
    const errors: FieldError[] = [];
    const knownCarriers = await existingCarriers(runtime.db, [
      ...new Set(body.events.flatMap((event) => event.to_carrier ?? [])),
    ]);
    const events = body.events.map((event, index) => {
      const occurredAt = Date.parse(event.occurred_at);
      const at = (member: string) => `/events/${index}/${member}`;
      if (occurredAt > now + MAX_CLOCK_SKEW_MS)
        errors.push({ pointer: at("occurred_at"), detail: "more than 5 minutes in the future" });
      if (event.type === "ported") {
        if (!event.to_carrier || !knownCarriers.has(event.to_carrier)) {
          errors.push({
            pointer: at("to_carrier"),
            detail: "a port needs to_carrier, an existing carrier's client id",
          });
        } else if (event.to_carrier === principal.clientId) {
          errors.push({ pointer: at("to_carrier"), detail: "a carrier cannot port a number to itself" });
        }
      } else if (event.to_carrier !== undefined) {
        errors.push({ pointer: at("to_carrier"), detail: "only a ported event has to_carrier" });
      }
      const phone = phones[index]!;
      return {
        phone,
        event: { id: event.id, phoneHash: phone.hash, type: event.type, occurredAt, toCarrier: event.to_carrier },
      };
    });
    if (errors.length > 0)
      throw new Problem("INVALID_ARGUMENT", `${errors.length} event(s) are not valid; nothing was applied`, errors);
    const statuses = await reportEvents(runtime, principal.clientId, events, now, pointer);
    await runtime.db.atomic([
      auditStatement(runtime.db, {
        at: now,
        actor: principal,
        action: "numbers.events_reported",
        detail: {
          count: events.length,
          recorded: statuses.filter((status) => status === "recorded").length,
          types: [...new Set(events.map(({ event }) => event.type))],
          ...(events.length <= 100 ? { phone_hashes: [...new Set(events.map(({ phone }) => phone.hash))] } : {}),
        },
      }),
    ]);
    return c.json({ results: events.map(({ event }, index) => ({ id: event.id, status: statuses[index]! })) }, 200);
  });
}
