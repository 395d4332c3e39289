import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";
import { defineRoute } from "../http/openapi.js";
import { Problem } from "../http/problems.js";
import { EndpointParams } from "./schemas.js";
import { deleteEndpoint } from "./store.js";

const route = defineRoute({
  method: "delete",
  path: "/v1/webhooks/{id}",
  tags: ["Webhooks"],
  summary: "Delete an endpoint",
  description: "Its queued deliveries and its attempt log go with it.",
  scope: "webhooks",
  errors: ["NOT_FOUND"],
  request: { params: EndpointParams },
  responses: { 204: { description: "Deleted." } },
});

export function registerDeleteEndpoint(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    if (!(await deleteEndpoint(runtime.db, principal.clientId, c.req.valid("param").id))) {
      throw new Problem("NOT_FOUND", "no such endpoint");
    }
    return c.body(null, 204);
  });
}
