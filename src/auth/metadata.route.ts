import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { CLIENT_ALGORITHMS } from "./keys.js";
import { ALL_SCOPES } from "./scopes.js";
import { CLIENT_CREDENTIALS, JWT_BEARER_GRANT, TOKEN_PATH } from "./token.route.js";

const ServerMetadata = z
  .object({
    issuer: z.string(),
    token_endpoint: z.string(),
    jwks_uri: z.string(),
    grant_types_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    token_endpoint_auth_signing_alg_values_supported: z.array(z.string()),
    scopes_supported: z.array(z.string()),
    response_types_supported: z.array(z.string()),
  })
  .openapi("AuthorizationServerMetadata");

const route = defineRoute({
  method: "get",
  path: "/.well-known/oauth-authorization-server",
  tags: ["Authentication"],
  summary: "Authorization server metadata (RFC 8414)",
  responses: { 200: { description: "Metadata for OAuth client libraries.", content: json(ServerMetadata) } },
});

export function registerMetadata(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, (c) => {
    const { issuer } = c.var.runtime.config;
    return c.json(
      {
        issuer,
        token_endpoint: `${issuer}${TOKEN_PATH}`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        grant_types_supported: [CLIENT_CREDENTIALS, JWT_BEARER_GRANT],
        token_endpoint_auth_methods_supported: ["private_key_jwt"],
        token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ALGORITHMS],
        scopes_supported: ALL_SCOPES,
        response_types_supported: [],
      },
      200,
    );
  });
}
