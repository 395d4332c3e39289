import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { gt } from "drizzle-orm";
import { findClient } from "../auth/clients.js";
import { requireScope } from "../auth/middleware.js";
import { rfc3339 } from "../clock.js";
import { auditLog } from "../db/schema.js";
import type { AppEnv } from "../env.js";
import { CursorQuery, decodeCursor, LimitQuery, NextCursor, page } from "../pagination.js";
import { Problem, problemResponses } from "../problems.js";
import { AUTH_ERRORS, security } from "../schemas.js";
import { audit } from "./audit.js";
import { clientView, createClient, listClients, updateClient } from "./clients.js";

const Jwk = z.record(z.string(), z.unknown());
const JwksInput = z
  .object({ keys: z.array(Jwk).min(1).max(10) })
  .openapi({ description: "Public keys only (Ed25519 or P-256), each with a kid." });
const Prefixes = z
  .array(z.string().openapi({ example: "+86139" }))
  .max(1000)
  .openapi({ description: "E.164 prefixes the carrier is responsible for." });

const ClientSchema = z
  .object({
    id: z.string().openapi({ example: "app_01jabcdefghjkmnpqrstvwxyz" }),
    kind: z.enum(["app", "carrier", "admin"]),
    name: z.string(),
    number_prefixes: z.array(z.string()),
    disabled: z.boolean(),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Client");

const CreateClient = z
  .strictObject({
    kind: z.enum(["app", "carrier", "admin"]),
    name: z.string().trim().min(1).max(200),
    jwks: JwksInput,
    number_prefixes: Prefixes.optional(),
  })
  .openapi("CreateClient");

const UpdateClient = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    jwks: JwksInput.optional(),
    number_prefixes: Prefixes.optional(),
    disabled: z.boolean().optional(),
  })
  .openapi("UpdateClient");

const AuditEntry = z
  .object({
    id: z.number().int(),
    at: z.string().openapi({ format: "date-time" }),
    actor_kind: z.string(),
    actor_id: z.string(),
    action: z.string(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi("AuditEntry");

const admin = requireScope("admin");

const createClientRoute = createRoute({
  method: "post",
  path: "/v1/admin/clients",
  tags: ["Admin"],
  summary: "Register a client",
  security,
  middleware: [admin] as const,
  request: { body: { required: true, content: { "application/json": { schema: CreateClient } } } },
  responses: {
    201: { description: "The client.", content: { "application/json": { schema: ClientSchema } } },
    ...problemResponses("INVALID_ARGUMENT", ...AUTH_ERRORS, "CONFLICT", "UNSUPPORTED_MEDIA_TYPE", "PAYLOAD_TOO_LARGE"),
  },
});

const listClientsRoute = createRoute({
  method: "get",
  path: "/v1/admin/clients",
  tags: ["Admin"],
  summary: "List clients",
  security,
  middleware: [admin] as const,
  request: { query: z.object({ limit: LimitQuery, cursor: CursorQuery }) },
  responses: {
    200: {
      description: "A page of clients.",
      content: { "application/json": { schema: z.object({ items: z.array(ClientSchema), next_cursor: NextCursor }) } },
    },
    ...problemResponses("INVALID_ARGUMENT", ...AUTH_ERRORS),
  },
});

const updateClientRoute = createRoute({
  method: "patch",
  path: "/v1/admin/clients/{id}",
  tags: ["Admin"],
  summary: "Change or disable a client",
  description: "A disabled client's tokens stop working within seconds.",
  security,
  middleware: [admin] as const,
  request: {
    params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) }),
    body: { required: true, content: { "application/json": { schema: UpdateClient } } },
  },
  responses: {
    200: { description: "The client.", content: { "application/json": { schema: ClientSchema } } },
    ...problemResponses("INVALID_ARGUMENT", ...AUTH_ERRORS, "NOT_FOUND", "CONFLICT", "UNSUPPORTED_MEDIA_TYPE"),
  },
});

const auditRoute = createRoute({
  method: "get",
  path: "/v1/admin/audit",
  tags: ["Admin"],
  summary: "Read the audit log",
  description: "Every carrier check and event batch, every person look-up and unbind, every client change. No plain numbers.",
  security,
  middleware: [admin] as const,
  request: {
    query: z.object({
      after: z.coerce.number().int().min(0).optional().openapi({ param: { name: "after", in: "query" }, description: "Return entries after this id." }),
      limit: LimitQuery,
    }),
  },
  responses: {
    200: {
      description: "Audit entries in order.",
      content: { "application/json": { schema: z.object({ items: z.array(AuditEntry), next_cursor: NextCursor }) } },
    },
    ...problemResponses("INVALID_ARGUMENT", ...AUTH_ERRORS),
  },
});

export function registerAdmin(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createClientRoute, async (c) => {
    const { db, clock } = c.var.runtime;
    const body = c.req.valid("json");
    const client = await createClient(db, clock, {
      kind: body.kind,
      name: body.name,
      jwks: body.jwks,
      numberPrefixes: body.number_prefixes,
    });
    await audit(db, { at: clock(), actor: c.var.principal, action: "client.created", detail: { client_id: client.id, kind: client.kind } });
    return c.json(clientView(client), 201);
  });

  app.openapi(listClientsRoute, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const rows = await listClients(c.var.runtime.db, decodeCursor<string>(cursor, "string"), limit + 1);
    const result = page(rows, limit, (client) => client.id);
    return c.json({ items: result.items.map(clientView), next_cursor: result.next_cursor }, 200);
  });

  app.openapi(updateClientRoute, async (c) => {
    const { db, clock, clientStatus } = c.var.runtime;
    const { id } = c.req.valid("param");
    const body = c.req.valid("json");
    const client = await findClient(db, id);
    if (!client) throw new Problem("NOT_FOUND", `no client ${id}`);
    const updated = await updateClient(db, clock, client, {
      name: body.name,
      jwks: body.jwks,
      numberPrefixes: body.number_prefixes,
      disabled: body.disabled,
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

  app.openapi(auditRoute, async (c) => {
    const { after, limit } = c.req.valid("query");
    const rows = await c.var.runtime.db.orm
      .select()
      .from(auditLog)
      .where(after === undefined ? undefined : gt(auditLog.id, after))
      .orderBy(auditLog.id)
      .limit(limit + 1);
    const items = rows.slice(0, limit).map((row) => ({
      id: row.id,
      at: rfc3339(row.at),
      actor_kind: row.actorKind,
      actor_id: row.actorId,
      action: row.action,
      detail: row.detail,
    }));
    return c.json({ items, next_cursor: rows.length > limit ? String(items[items.length - 1]!.id) : null }, 200);
  });
}
