import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { CursorQuery, decodeCursor, LimitQuery, NextCursor, page } from "../http/pagination.js";
import { EndpointSchema } from "./schemas.js";
import { endpointView, listEndpoints } from "./store.js";

const route = defineRoute({
  method: "get",
  path: "/v1/webhooks",
  tags: ["Webhooks"],
  summary: "List the app's endpoints",
  scope: "webhooks",
  request: { query: z.object({ limit: LimitQuery, cursor: CursorQuery }) },
  responses: {
    200: {
      description: "The app's endpoints (never their secrets).",
      content: json(z.object({ items: z.array(EndpointSchema), next_cursor: NextCursor })),
    },
  },
});

export function registerListEndpoints(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    const { limit, cursor } = c.req.valid("query");
    const rows = await listEndpoints(runtime.db, principal.clientId, decodeCursor<string>(cursor, "string"), limit + 1);
    const result = page(rows, limit, (row) => row.id);
    const now = runtime.clock();
    return c.json({ items: result.items.map((row) => endpointView(row, now)), next_cursor: result.next_cursor }, 200);
  });
}
