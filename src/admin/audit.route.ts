import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { rfc3339 } from "../clock.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { LogQuery, logPage, NextCursor } from "../http/pagination.js";
import { listAudit } from "./audit.js";

const AuditEntry = z
  .object({
    id: z.number().int(),
    at: z.string().openapi({ format: "date-time" }),
    actor_kind: z.string(),
    actor_id: z.string(),
    action: z.string(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi("AuditEntry");

const route = defineRoute({
  method: "get",
  path: "/v1/admin/audit",
  tags: ["Admin"],
  summary: "Read the audit log",
  description:
    "Every carrier check and event batch, every person look-up and unbind, every client change. No plain numbers.",
  scope: "admin",
  request: { query: LogQuery },
  responses: {
    200: {
      description: "Audit entries in order.",
      content: json(z.object({ items: z.array(AuditEntry), next_cursor: NextCursor })),
    },
  },
});

export function registerListAudit(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const { after, page } = logPage(query);
    const { items, next_cursor } = page(await listAudit(c.var.runtime.db, after, query.limit + 1));
    return c.json(
      {
        items: items.map((row) => ({
          id: row.id,
          at: rfc3339(row.at),
          actor_kind: row.actorKind,
          actor_id: row.actorId,
          action: row.action,
          detail: row.detail,
        })),
        next_cursor,
      },
      200,
    );
  });
}
