import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { clientView, createClient } from "../auth/clients.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { audit } from "./audit.js";
import {
  ClientKindSchema,
  ClientName,
  ClientSchema,
  JwksInput,
  PersonSignInUrl,
  Prefixes,
  RateLimit,
  ReportingSince,
  settingsFrom,
} from "./schemas.js";

const CreateClient = z
  .strictObject({
    kind: ClientKindSchema,
    name: ClientName,
    jwks: JwksInput,
    number_prefixes: Prefixes.optional(),
    person_sign_in_url: PersonSignInUrl.optional(),
    reporting_since: ReportingSince.optional(),
    rate_limit: RateLimit.optional(),
  })
  .openapi("CreateClient");

const route = defineRoute({
  method: "post",
  path: "/v1/admin/clients",
  tags: ["Admin"],
  summary: "Register a client",
  scope: "admin",
  errors: ["CONFLICT"],
  request: { body: { required: true, content: json(CreateClient) } },
  responses: { 201: { description: "The client.", content: json(ClientSchema) } },
});

export function registerCreateClient(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { db, clock } = c.var.runtime;
    const body = c.req.valid("json");
    const client = await createClient(db, clock, {
      kind: body.kind,
      name: body.name,
      jwks: body.jwks,
      numberPrefixes: body.number_prefixes,
      ...settingsFrom(body),
    });
    await audit(db, {
      at: clock(),
      actor: c.var.principal,
      action: "client.created",
      detail: { client_id: client.id, kind: client.kind },
    });
    return c.json(clientView(client), 201);
  });
}
