import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { EndReason } from "../bindings/schemas.js";
import { WEBHOOK_DISABLED_REASONS } from "../db/control-schema.js";
import { APP_EVENT_TYPES } from "../db/enums.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { LogQuery, logPage, NextCursor } from "../http/pagination.js";
import { feedItem, listEvents } from "./store.js";

const BindingEventData = z
  .object({
    binding_id: z.string(),
    account_ref: z.string(),
    phone_number_hint: z.string(),
    reason: EndReason.optional(),
  })
  .openapi({ description: "binding.* and number.* events: never a plain number." });

const EndpointEventData = z
  .object({
    endpoint_id: z.string(),
    url: z.string(),
    reason: z.enum(WEBHOOK_DISABLED_REASONS),
  })
  .openapi({ description: "endpoint.disabled: the webhook endpoint the registry disabled, and why." });

const EventData = z.union([BindingEventData, EndpointEventData]);

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
  request: { query: LogQuery },
  responses: {
    200: {
      description: "Events in order, oldest first; pass next_cursor back as ?cursor= (or ?after=) for more.",
      content: json(z.object({ items: z.array(EventSchema), next_cursor: NextCursor })),
    },
  },
});

export function registerListEvents(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    const query = c.req.valid("query");
    const { after, page } = logPage(query);
    const { items, next_cursor } = page(await listEvents(runtime.db, principal.clientId, after, query.limit + 1));
    return c.json(
      {
        items: items.map((row) => feedItem(row) as z.infer<typeof EventSchema>),
        next_cursor,
      },
      200,
    );
  });
}
