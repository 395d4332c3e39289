import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env.js";
import { ALL_SCOPES } from "./scopes.js";
import { CLIENT_ALGORITHMS } from "./keys.js";
import { CLIENT_CREDENTIALS, JWT_BEARER_GRANT } from "./token-route.js";

const Jwks = z
  .object({ keys: z.array(z.record(z.string(), z.unknown())) })
  .openapi("Jwks", { description: "The registry's public signing keys; the first signs, all verify." });

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

const jwksRoute = createRoute({
  method: "get",
  path: "/.well-known/jwks.json",
  tags: ["Authentication"],
  summary: "The registry's public keys",
  responses: { 200: { description: "JWKS (RFC 7517).", content: { "application/json": { schema: Jwks } } } },
});

const metadataRoute = createRoute({
  method: "get",
  path: "/.well-known/oauth-authorization-server",
  tags: ["Authentication"],
  summary: "Authorization server metadata (RFC 8414)",
  responses: { 200: { description: "Metadata for OAuth client libraries.", content: { "application/json": { schema: ServerMetadata } } } },
});

export function registerMetadata(app: OpenAPIHono<AppEnv>): void {
  app.openapi(jwksRoute, (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json({ keys: c.var.runtime.keys.map((key) => key.publicJwk) }, 200);
  });
  app.openapi(metadataRoute, (c) => {
    const { issuer } = c.var.runtime.config;
    return c.json(
      {
        issuer,
        token_endpoint: `${issuer}/oauth/token`,
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
