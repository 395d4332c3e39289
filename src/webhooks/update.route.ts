import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { Problem } from "../http/problems.js";
import { endpointUrl } from "./destination.js";
import { EndpointParams, EndpointSchema, EndpointUrl, EventTypes } from "./schemas.js";
import { endpointView, findEndpoint, updateEndpoint } from "./store.js";

const UpdateEndpoint = z
  .strictObject({
    url: EndpointUrl.optional(),
    event_types: EventTypes.optional(),
    enabled: z.boolean().optional().openapi({
      description:
        "false stops deliveries and drops what was queued; true resumes with the next event (replay backfills).",
    }),
  })
  .openapi("UpdateWebhookEndpoint");

const route = defineRoute({
  method: "patch",
  path: "/v1/webhooks/{id}",
  tags: ["Webhooks"],
  summary: "Change, disable or re-enable an endpoint",
  scope: "webhooks",
  errors: ["NOT_FOUND"],
  request: { params: EndpointParams, body: { required: true, content: json(UpdateEndpoint) } },
  responses: { 200: { description: "The endpoint.", content: json(EndpointSchema) } },
});

export function registerUpdateEndpoint(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    const body = c.req.valid("json");
    const endpoint = await findEndpoint(runtime.db, principal.clientId, c.req.valid("param").id);
    if (!endpoint) throw new Problem("NOT_FOUND", "no such endpoint");
    const url =
      body.url === undefined
        ? undefined
        : await endpointUrl(body.url, runtime.config.production === true, runtime.webhooks);
    const now = runtime.clock();
    const updated = await updateEndpoint(runtime.db, now, endpoint, {
      url,
      eventTypes: body.event_types === undefined ? undefined : body.event_types && [...new Set(body.event_types)],
      enabled: body.enabled,
    });
    return c.json(endpointView(updated, now), 200);
  });
}
