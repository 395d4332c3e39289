import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";

const Jwks = z
  .object({ keys: z.array(z.record(z.string(), z.unknown())) })
  .openapi("Jwks", { description: "The registry's public signing keys; the first signs, all verify." });

const route = defineRoute({
  method: "get",
  path: "/.well-known/jwks.json",
  tags: ["Authentication"],
  summary: "The registry's public keys",
  responses: { 200: { description: "JWKS (RFC 7517).", content: json(Jwks) } },
});

export function registerJwks(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json({ keys: c.var.runtime.keys.map((key) => key.publicJwk) }, 200);
  });
}
