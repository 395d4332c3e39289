import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { clientView, findClient, updateClient } from "../auth/clients.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { Problem } from "../http/problems.js";
import { audit } from "./audit.js";
import {
  ClientName,
  ClientSchema,
  JwksInput,
  PersonSignInUrl,
  Prefixes,
  RateLimit,
  ReportingSince,
  settingsFrom,
} from "./schemas.js";

const UpdateClient = z
  .strictObject({
    name: ClientName.optional(),
    jwks: JwksInput.optional(),
    number_prefixes: Prefixes.optional(),
    disabled: z.boolean().optional(),
    person_sign_in_url: PersonSignInUrl.optional(),
    reporting_since: ReportingSince.optional(),
    rate_limit: RateLimit.optional(),
  })
  .openapi("UpdateClient");

const route = defineRoute({
  method: "patch",
  path: "/v1/admin/clients/{id}",
  tags: ["Admin"],
  summary: "Change or disable a client",
  description: "A disabled client's tokens stop working within seconds.",
  scope: "admin",
  errors: ["NOT_FOUND", "CONFLICT"],
  request: {
    params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) }),
    body: { required: true, content: json(UpdateClient) },
  },
  responses: { 200: { description: "The client.", content: json(ClientSchema) } },
});

export function registerUpdateClient(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { db, clock, clientStatus } = c.var.runtime;
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const client = await findClient(db, id);
    if (!client) throw new Problem("NOT_FOUND", "no such client");
    const updated = await updateClient(db, clock, client, {
      name: body.name,
      jwks: body.jwks,
      numberPrefixes: body.number_prefixes,
      disabled: body.disabled,
      ...settingsFrom(body),
    });
    clientStatus.forget(id);
    await audit(db, {
      at: clock(),
      actor: c.var.principal,
      action: "client.updated",
      detail: { client_id: id, changed: Object.keys(body) },
    });
    return c.json(clientView(updated), 200);
  });
}
