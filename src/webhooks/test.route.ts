import type { OpenAPIHono } from "@hono/zod-openapi";
import { rfc3339 } from "../clock.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { Problem } from "../http/problems.js";
import { newId } from "../ids.js";
import { attemptDelivery, signingKeys } from "./deliver.js";
import { AttemptSchema, EndpointParams } from "./schemas.js";
import { attemptView, findEndpoint, recordAttempt } from "./store.js";

const route = defineRoute({
  method: "post",
  path: "/v1/webhooks/{id}/test",
  tags: ["Webhooks"],
  summary: "Send a test event now",
  description:
    "POSTs a `webhook.test` event (feed id 0: it is not in the feed) signed like every other, once, and answers " +
    "with the attempt. A test is never retried and never disables the endpoint; it may be sent to a disabled one.",
  scope: "webhooks",
  errors: ["NOT_FOUND"],
  request: { params: EndpointParams },
  responses: { 200: { description: "How the attempt went (also in the attempt log).", content: json(AttemptSchema) } },
});

export function registerTestEndpoint(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    const endpoint = await findEndpoint(runtime.db, principal.clientId, c.req.valid("param").id);
    if (!endpoint) throw new Problem("NOT_FOUND", "no such endpoint");
    const now = runtime.clock();
    const webhookId = newId("test");
    const body = JSON.stringify({
      id: 0,
      type: "webhook.test",
      occurred_at: rfc3339(now),
      data: { endpoint_id: endpoint.id, url: endpoint.url },
    });
    const result = await attemptDelivery(
      runtime.webhooks,
      runtime.config.production === true,
      { url: endpoint.url, keys: signingKeys(endpoint, now), webhookId, body, now },
      (error) => console.error("a webhook test failed unexpectedly", error),
    );
    const attempt = await recordAttempt(runtime.db, {
      endpointId: endpoint.id,
      eventId: null,
      webhookId,
      eventType: "webhook.test",
      attemptedAt: now,
      ...result,
      nextRetryAt: null,
    });
    return c.json(attemptView(attempt), 200);
  });
}
