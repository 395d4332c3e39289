import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Shards } from "../db/shards.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { CursorQuery, decodeCursor, LimitQuery, NextCursor, page } from "../http/pagination.js";
import { BindingSchema, BindingStatus } from "./schemas.js";
import type { ListQuery } from "./store.js";
import { type BindingRow, bindingView } from "./view.js";

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
    const rows = await listAcrossShards(runtime.shards, {
      appId: principal.clientId,
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

/** Shards asked at once while a page fills. */
const SHARDS_PER_ROUND = 8;

/**
 * One page across shards. Ids start with their number's route, so id order is shard order: the
 * page continues in the shard of the cursor's id, then in the next shards, a few at a time, until
 * it holds `limit` rows or the last shard has answered.
 */
async function listAcrossShards(shards: Shards, query: ListQuery & { appId: string }): Promise<BindingRow[]> {
  let index = query.after === undefined ? 0 : (shards.ofId(query.after) ?? shards.count);
  const rows: BindingRow[] = [];
  while (index < shards.count && rows.length < query.limit) {
    const round = Array.from(
      { length: Math.min(SHARDS_PER_ROUND, shards.count - index) },
      (_, offset) => index + offset,
    );
    const pages = await Promise.all(
      round.map((shard) => shards.call(shard, "listBindings", { ...query, limit: query.limit - rows.length })),
    );
    for (const page of pages) rows.push(...page);
    index += round.length;
  }
  return rows.slice(0, query.limit);
}
