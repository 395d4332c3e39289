import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, asc, eq, gt } from "drizzle-orm";
import { requireScope } from "../auth/middleware.js";
import { rfc3339 } from "../clock.js";
import { events } from "../db/schema.js";
import type { AppEnv } from "../env.js";
import { LimitQuery, NextCursor } from "../pagination.js";
import { problemResponses } from "../problems.js";
import { AUTH_ERRORS, security } from "../schemas.js";

const EventSchema = z
  .object({
    id: z.number().int().openapi({ description: "Increasing; pass the last one seen as ?after= to resume." }),
    type: z.enum(["binding.expired", "binding.unbound", "number.deactivated"]),
    occurred_at: z.string().openapi({ format: "date-time" }),
    data: z
      .object({
        binding_id: z.string(),
        account_ref: z.string(),
        phone_number_hint: z.string(),
        reason: z.enum(["APP_UNBOUND", "INACTIVITY", "NUMBER_RECYCLED", "USER_REQUEST"]).optional(),
      })
      .openapi({ description: "Never a plain number." }),
  })
  .openapi("Event");

const listRoute = createRoute({
  method: "get",
  path: "/v1/events",
  tags: ["Events"],
  summary: "What happened to the app's bindings, in order",
  security,
  middleware: [requireScope("events")] as const,
  request: {
    query: z.object({
      after: z.coerce.number().int().min(0).optional().openapi({ param: { name: "after", in: "query" }, description: "The last event id seen." }),
      limit: LimitQuery,
    }),
  },
  responses: {
    200: {
      description: "Events after `after`, oldest first. next_cursor is the id to pass as `after` next.",
      content: { "application/json": { schema: z.object({ items: z.array(EventSchema), next_cursor: NextCursor }) } },
    },
    ...problemResponses("INVALID_ARGUMENT", ...AUTH_ERRORS),
  },
});

export function registerEvents(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listRoute, async (c) => {
    const { runtime, principal } = c.var;
    const { after, limit } = c.req.valid("query");
    const rows = await runtime.db.orm
      .select()
      .from(events)
      .where(and(eq(events.appId, principal.clientId), after === undefined ? undefined : gt(events.id, after)))
      .orderBy(asc(events.id))
      .limit(limit + 1);
    const items = rows.slice(0, limit).map((row) => ({
      id: row.id,
      type: row.type as z.infer<typeof EventSchema>["type"],
      occurred_at: rfc3339(row.occurredAt),
      data: row.data as z.infer<typeof EventSchema>["data"],
    }));
    return c.json({ items, next_cursor: rows.length > limit ? String(items[items.length - 1]!.id) : null }, 200);
  });
}
