import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { CLIENT_ALGORITHMS } from "./keys.js";
import { ALL_SCOPES } from "./scopes.js";
import { CLIENT_CREDENTIALS, JWT_BEARER_GRANT, tokenEndpoint } from "./token.route.js";

export const ServerMetadata = z
  .object({
    issuer: z.string(),
    token_endpoint: z.string(),
    jwks_uri: z.string(),
    grant_types_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    token_endpoint_auth_signing_alg_values_supported: z.array(z.string()),
    scopes_supported: z.array(z.string()),
    response_types_supported: z.array(z.string()),
    subject_types_supported: z.array(z.string()),
  })
  .openapi("AuthorizationServerMetadata", {
    description:
      "One document, served both as RFC 8414 metadata and as OpenID Connect Discovery configuration. " +
      "There is no authorization endpoint and no ID token: only the token endpoint's grants.",
  });

/**
 * The server's metadata, for RFC 8414 and OpenID Connect Discovery alike (RFC 8414 §7.1.2 registers
 * the OIDC members for both). What is left out is left out on purpose: there is no
 * `authorization_endpoint` (no grant uses one: RFC 8414 §2) and no `id_token_signing_alg_values_supported`,
 * since numbind issues no ID tokens and advertises only what it does. `response_types_supported`
 * is empty for the same reason; `subject_types_supported` is `public` (an access token's `sub` is the
 * same for every client), and both are members OIDC Discovery requires.
 */
function serverMetadata(issuer: string): z.infer<typeof ServerMetadata> {
  return {
    issuer,
    token_endpoint: tokenEndpoint(issuer),
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    grant_types_supported: [CLIENT_CREDENTIALS, JWT_BEARER_GRANT],
    token_endpoint_auth_methods_supported: ["private_key_jwt"],
    // The very list the token endpoint hands jose: advertised = accepted.
    token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ALGORITHMS],
    scopes_supported: ALL_SCOPES,
    response_types_supported: [],
    subject_types_supported: ["public"],
  };
}

export function serveServerMetadata(c: Context<AppEnv>) {
  c.header("Cache-Control", "public, max-age=300");
  return c.json(serverMetadata(c.var.runtime.config.issuer), 200);
}

const route = defineRoute({
  method: "get",
  path: "/.well-known/oauth-authorization-server",
  tags: ["Authentication"],
  summary: "Authorization server metadata (RFC 8414)",
  responses: { 200: { description: "Metadata for OAuth client libraries.", content: json(ServerMetadata) } },
});

export function registerMetadata(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, serveServerMetadata);
}
