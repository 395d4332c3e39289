import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { ServerMetadata, serveServerMetadata } from "./metadata.route.js";

/**
 * OpenID Connect Discovery, for the clients that look only here (CAMARA's `openIdConnectUrl`,
 * openid-client's default): the same document as the RFC 8414 one.
 */
const route = defineRoute({
  method: "get",
  path: "/.well-known/openid-configuration",
  tags: ["Authentication"],
  summary: "OpenID Connect Discovery configuration",
  description: "The RFC 8414 metadata document, at the OpenID Connect Discovery 1.0 path.",
  responses: { 200: { description: "The same metadata as RFC 8414's.", content: json(ServerMetadata) } },
});

export function registerOpenIdConfiguration(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, serveServerMetadata);
}
