import { swaggerUI } from "@hono/swagger-ui";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";

/** The contract as JSON, and an interactive reference over it. */
export function registerDocs(app: OpenAPIHono<AppEnv>, openApiDocument: () => unknown): void {
  app.get("/openapi.json", (c) => c.json(openApiDocument()));
  app.get("/docs", swaggerUI({ url: "/openapi.json", title: "numbind API" }));
}
