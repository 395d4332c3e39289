import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { Problem } from "../http/problems.js";
import { EndpointParams, EndpointSchema } from "./schemas.js";
import { endpointView, findEndpoint } from "./store.js";

const route = defineRoute({
  method: "get",
  path: "/v1/webhooks/{id}",
  tags: ["Webhooks"],
  summary: "An endpoint",
  scope: "webhooks",
  errors: ["NOT_FOUND"],
  request: { params: EndpointParams },
  responses: { 200: { description: "The endpoint (never its secret).", content: json(EndpointSchema) } },
});

export function registerGetEndpoint(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    const endpoint = await findEndpoint(runtime.db, principal.clientId, c.req.valid("param").id);
    if (!endpoint) throw new Problem("NOT_FOUND", "no such endpoint");
    return c.json(endpointView(endpoint, runtime.clock()), 200);
  });
}
