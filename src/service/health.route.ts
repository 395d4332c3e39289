import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";

const route = defineRoute({
  method: "get",
  path: "/healthz",
  tags: ["Service"],
  summary: "Liveness and database check",
  responses: {
    200: { description: "The service and its database answer.", content: json(z.object({ status: z.literal("ok") })) },
  },
});

export function registerHealth(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    await c.var.runtime.db.orm.get(sql`select 1`);
    return c.json({ status: "ok" as const }, 200);
  });
}
