import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { CursorQuery, decodeCursor, LimitQuery, NextCursor, page } from "../http/pagination.js";
import { Problem } from "../http/problems.js";
import { AttemptSchema, EndpointParams } from "./schemas.js";
import { attemptView, findEndpoint, listAttempts } from "./store.js";

const route = defineRoute({
  method: "get",
  path: "/v1/webhooks/{id}/attempts",
  tags: ["Webhooks"],
  summary: "The endpoint's attempt log, newest first",
  description:
    "Every delivery attempt and test of the last 30 days: status, latency, the answer's code and start, the next retry.",
  scope: "webhooks",
  errors: ["NOT_FOUND"],
  request: { params: EndpointParams, query: z.object({ limit: LimitQuery, cursor: CursorQuery }) },
  responses: {
    200: {
      description: "A page of attempts, newest first.",
      content: json(z.object({ items: z.array(AttemptSchema), next_cursor: NextCursor })),
    },
  },
});

export function registerListAttempts(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    const { limit, cursor } = c.req.valid("query");
    const endpoint = await findEndpoint(runtime.db, principal.clientId, c.req.valid("param").id);
    if (!endpoint) throw new Problem("NOT_FOUND", "no such endpoint");
    const rows = await listAttempts(runtime.db, endpoint.id, decodeCursor<number>(cursor, "number"), limit + 1);
    const result = page(rows, limit, (row) => row.id);
    return c.json({ items: result.items.map(attemptView), next_cursor: result.next_cursor }, 200);
  });
}
