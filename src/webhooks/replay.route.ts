import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { Problem } from "../http/problems.js";
import { EndpointParams } from "./schemas.js";
import { findEndpoint, REPLAY_LIMIT, replay } from "./store.js";
import { deliveriesQueued } from "./wake.js";

const Replay = z
  .strictObject({
    after: z
      .number()
      .int()
      .min(0)
      .openapi({ description: "A feed event id: the events after it are sent again.", example: 0 }),
  })
  .openapi("WebhookReplay");

const route = defineRoute({
  method: "post",
  path: "/v1/webhooks/{id}/replay",
  tags: ["Webhooks"],
  summary: "Send feed events again (backfill)",
  description:
    `Queues the app's feed events after \`after\` (of the endpoint's types, at most ${REPLAY_LIMIT} per call) for ` +
    "this endpoint, in feed order, with their original webhook-id. An event already queued is sent once.",
  scope: "webhooks",
  errors: ["NOT_FOUND", "CONFLICT"],
  request: { params: EndpointParams, body: { required: true, content: json(Replay) } },
  responses: {
    202: {
      description: "Queued.",
      content: json(
        z.object({
          queued: z.number().int().openapi({ description: "Events newly queued." }),
          next_after: z.number().int().nullable().openapi({
            description: "More events follow beyond the limit: call again with this as `after`. Null: none.",
          }),
        }),
      ),
    },
  },
});

export function registerReplay(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    const endpoint = await findEndpoint(runtime.db, principal.clientId, c.req.valid("param").id);
    if (!endpoint) throw new Problem("NOT_FOUND", "no such endpoint");
    if (!endpoint.enabled) throw new Problem("CONFLICT", "the endpoint is disabled; enable it before a replay");
    const { queued, nextAfter } = await replay(runtime.db, endpoint, c.req.valid("json").after);
    await deliveriesQueued(runtime.db, queued > 0 ? [endpoint.slot] : []);
    return c.json({ queued, next_after: nextAfter }, 202);
  });
}
