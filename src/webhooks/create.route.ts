import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { Problem } from "../http/problems.js";
import { endpointUrl } from "./destination.js";
import { EndpointUrl, EndpointWithSecret, EventTypes } from "./schemas.js";
import { countEndpoints, createEndpoint, endpointView } from "./store.js";

/** Each endpoint multiplies every feed event by one delivery: a small bound keeps that cheap. */
const MAX_ENDPOINTS_PER_APP = 20;

const CreateEndpoint = z
  .strictObject({
    url: EndpointUrl,
    event_types: EventTypes.optional(),
    enabled: z.boolean().optional().openapi({ description: "Default true." }),
  })
  .openapi("CreateWebhookEndpoint");

const route = defineRoute({
  method: "post",
  path: "/v1/webhooks",
  tags: ["Webhooks"],
  summary: "Register an endpoint",
  description:
    "Every feed event the app receives from now on (of the chosen types) is also POSTed here, signed per " +
    "Standard Webhooks with the secret in this answer. The secret is shown once.",
  scope: "webhooks",
  errors: ["CONFLICT"],
  request: { body: { required: true, content: json(CreateEndpoint) } },
  responses: { 201: { description: "Registered; store the secret now.", content: json(EndpointWithSecret) } },
});

export function registerCreateEndpoint(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    const body = c.req.valid("json");
    const url = await endpointUrl(body.url, runtime.config.production === true, runtime.webhooks);
    if ((await countEndpoints(runtime.db, principal.clientId)) >= MAX_ENDPOINTS_PER_APP) {
      throw new Problem("CONFLICT", `an app has at most ${MAX_ENDPOINTS_PER_APP} endpoints; delete one first`);
    }
    const now = runtime.clock();
    const endpoint = await createEndpoint(runtime.db, now, {
      appId: principal.clientId,
      url,
      eventTypes: body.event_types ? [...new Set(body.event_types)] : null,
      enabled: body.enabled ?? true,
    });
    return c.json({ ...endpointView(endpoint, now), secret: endpoint.secret }, 201);
  });
}
