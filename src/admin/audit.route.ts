import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { rfc3339 } from "../clock.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { LimitQuery, NextCursor } from "../http/pagination.js";
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
  request: {
    query: z.object({
      after: z.coerce
        .number()
        .int()
        .min(0)
        .optional()
        .openapi({ param: { name: "after", in: "query" }, description: "Return entries after this id." }),
      limit: LimitQuery,
    }),
  },
  responses: {
    200: {
      description: "Audit entries in order.",
      content: json(z.object({ items: z.array(AuditEntry), next_cursor: NextCursor })),
    },
  },
});

export function registerListAudit(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { after, limit } = c.req.valid("query");
    const rows = await listAudit(c.var.runtime.db, after, limit + 1);
    const items = rows.slice(0, limit).map((row) => ({
      id: row.id,
      at: rfc3339(row.at),
      actor_kind: row.actorKind,
      actor_id: row.actorId,
      action: row.action,
      detail: row.detail,
    }));
    return c.json({ items, next_cursor: rows.length > limit ? String(items[items.length - 1]!.id) : null }, 200);
  });
}
