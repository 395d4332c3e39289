import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { CursorQuery, decodeCursor, LimitQuery, NextCursor, page } from "../http/pagination.js";
import { BindingSchema, BindingStatus } from "./schemas.js";
import { listOwned } from "./store.js";
import { bindingView } from "./view.js";

const route = defineRoute({
  method: "get",
  path: "/v1/bindings",
  tags: ["Bindings"],
  summary: "List the app's bindings",
  scope: "bindings",
  request: {
    query: z.object({
      account_ref: z
        .string()
        .min(1)
        .max(128)
        .optional()
        .openapi({ param: { name: "account_ref", in: "query" } }),
      status: BindingStatus.optional().openapi({ param: { name: "status", in: "query" } }),
      limit: LimitQuery,
      cursor: CursorQuery,
    }),
  },
  responses: {
    200: {
      description: "A page of bindings in a stable order.",
      content: json(z.object({ items: z.array(BindingSchema), next_cursor: NextCursor })),
    },
  },
});

export function registerListBindings(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    const { account_ref, status, limit, cursor } = c.req.valid("query");
    const now = runtime.clock();
    const { inactivityMs } = runtime.config;
    const rows = await listOwned(runtime.db, principal.clientId, {
      accountRef: account_ref,
      status,
      after: decodeCursor<string>(cursor, "string"),
      limit: limit + 1,
      now,
      inactivityMs,
    });
    const result = page(rows, limit, (row) => row.id);
    return c.json(
      { items: result.items.map((row) => bindingView(row, now, inactivityMs)), next_cursor: result.next_cursor },
      200,
    );
  });
}
