import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { clientView, listClients } from "../auth/clients.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { CursorQuery, decodeCursor, LimitQuery, NextCursor, page } from "../http/pagination.js";
import { ClientSchema } from "./schemas.js";

const route = defineRoute({
  method: "get",
  path: "/v1/admin/clients",
  tags: ["Admin"],
  summary: "List clients",
  scope: "admin",
  request: { query: z.object({ limit: LimitQuery, cursor: CursorQuery }) },
  responses: {
    200: {
      description: "A page of clients.",
      content: json(z.object({ items: z.array(ClientSchema), next_cursor: NextCursor })),
    },
  },
});

export function registerListClients(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await listClients(c.var.runtime.db, decodeCursor<string>(cursor, "string"), limit + 1);
    const result = page(rows, limit, (client) => client.id);
    return c.json({ items: result.items.map(clientView), next_cursor: result.next_cursor }, 200);
  });
}
