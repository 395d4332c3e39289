import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { EndReason } from "../bindings/schemas.js";
import { rfc3339 } from "../clock.js";
import { APP_EVENT_TYPES } from "../db/schema.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { LimitQuery, NextCursor } from "../http/pagination.js";
import { listEvents } from "./store.js";

const EventData = z
  .object({
    binding_id: z.string(),
    account_ref: z.string(),
    phone_number_hint: z.string(),
    reason: EndReason.optional(),
  })
  .openapi({ description: "Never a plain number." });

const EventSchema = z
  .object({
    id: z.number().int().openapi({ description: "Increasing; pass the last one seen as ?after= to resume." }),
    type: z.enum(APP_EVENT_TYPES),
    occurred_at: z.string().openapi({ format: "date-time" }),
    data: EventData,
  })
  .openapi("Event");

const route = defineRoute({
  method: "get",
  path: "/v1/events",
  tags: ["Events"],
  summary: "What happened to the app's bindings, in order",
  scope: "events",
  request: {
    query: z.object({
      after: z.coerce
        .number()
        .int()
        .min(0)
        .optional()
        .openapi({ param: { name: "after", in: "query" }, description: "The last event id seen." }),
      limit: LimitQuery,
    }),
  },
  responses: {
    200: {
      description: "Events after `after`, oldest first. next_cursor is the id to pass as `after` next.",
      content: json(z.object({ items: z.array(EventSchema), next_cursor: NextCursor })),
    },
  },
});

export function registerListEvents(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    const { after, limit } = c.req.valid("query");
    const rows = await listEvents(runtime.db, principal.clientId, after, limit + 1);
    const items = rows.slice(0, limit).map((row) => ({
      id: row.id,
      type: row.type,
      occurred_at: rfc3339(row.occurredAt),
      data: row.data as z.infer<typeof EventData>,
    }));
    return c.json({ items, next_cursor: rows.length > limit ? String(items[items.length - 1]!.id) : null }, 200);
  });
}
