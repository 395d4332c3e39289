import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { Problem } from "../http/problems.js";
import { EndpointParams, EndpointWithSecret } from "./schemas.js";
import { endpointView, findEndpoint, rotateSecret } from "./store.js";

const route = defineRoute({
  method: "post",
  path: "/v1/webhooks/{id}/rotate-secret",
  tags: ["Webhooks"],
  summary: "Rotate the signing secret",
  description:
    "A new secret, shown once. For 24 hours the old secret signs too: webhook-signature carries two v1 " +
    "signatures, so a receiver verifies with either while it switches.",
  scope: "webhooks",
  errors: ["NOT_FOUND"],
  request: { params: EndpointParams },
  responses: { 200: { description: "The endpoint and its new secret.", content: json(EndpointWithSecret) } },
});

export function registerRotateSecret(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    const endpoint = await findEndpoint(runtime.db, principal.clientId, c.req.valid("param").id);
    if (!endpoint) throw new Problem("NOT_FOUND", "no such endpoint");
    const now = runtime.clock();
    const rotated = await rotateSecret(runtime.db, now, endpoint);
    return c.json({ ...endpointView(rotated, now), secret: rotated.secret }, 200);
  });
}
