import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { swaggerUI } from "@hono/swagger-ui";
import { sql } from "drizzle-orm";
import type { AppEnv } from "../env.js";
import { problemResponses } from "../problems.js";

const healthRoute = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["Service"],
  summary: "Liveness and database check",
  responses: {
    200: { description: "The service and its database answer.", content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } } },
    ...problemResponses("INTERNAL"),
  },
});

export function registerService(app: OpenAPIHono<AppEnv>, openApiDocument: () => unknown): void {
  app.openapi(healthRoute, async (c) => {
    await c.var.runtime.db.orm.get(sql`select 1`);
    return c.json({ status: "ok" as const }, 200);
  });
  app.get("/openapi.json", (c) => c.json(openApiDocument()));
  app.get("/docs", swaggerUI({ url: "/openapi.json", title: "numbind API" }));
}
