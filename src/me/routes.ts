import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import { auditStatement } from "../admin/audit.js";
import type { Principal } from "../auth/access-token.js";
import { requireScope } from "../auth/middleware.js";
import { activeAt, endActiveStatements } from "../bindings/store.js";
import { rfc3339 } from "../clock.js";
import { bindings, clients } from "../db/schema.js";
import type { AppEnv } from "../env.js";
import { Problem, problemResponses } from "../problems.js";
import { AUTH_ERRORS, BindingId, security, TimestampOut } from "../schemas.js";

const MyBindings = z
  .object({
    phone_number_hint: z.string().openapi({ example: "+86139****5678" }),
    items: z.array(
      z.object({ id: z.string(), app_id: z.string(), app_name: z.string(), bound_at: TimestampOut, last_seen_at: TimestampOut, expires_at: TimestampOut }),
    ),
  })
  .openapi("MyBindings");

const me = requireScope("me");

const listRoute = createRoute({
  method: "get",
  path: "/v1/me/bindings",
  tags: ["Me"],
  summary: "The apps that have my number bound",
  description: "Active bindings of the number the carrier attested. Never an account reference.",
  security,
  middleware: [me] as const,
  responses: { 200: { description: "Active bindings.", content: { "application/json": { schema: MyBindings } } }, ...problemResponses(...AUTH_ERRORS) },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/me/bindings/{id}",
  tags: ["Me"],
  summary: "Cut one app's binding to my number",
  description: "Ends it with USER_REQUEST; the app is told, and cannot re-bind without a verification later than this.",
  security,
  middleware: [me] as const,
  request: { params: z.object({ id: BindingId }) },
  responses: { 204: { description: "Ended." }, ...problemResponses(...AUTH_ERRORS, "NOT_FOUND") },
});

type Person = Extract<Principal, { kind: "person" }>;

function person(principal: Principal): Person {
  // requireScope("me") admits only person tokens: machine tokens never carry "me".
  if (principal.kind !== "person") throw new Problem("PERMISSION_DENIED", "only a person's token may use /v1/me");
  return principal;
}

export function registerMe(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listRoute, async (c) => {
    const { runtime } = c.var;
    const caller = person(c.var.principal);
    const now = runtime.clock();
    const { inactivityMs } = runtime.config;
    const rows = await runtime.db.orm
      .select({ id: bindings.id, appId: bindings.appId, appName: clients.name, boundAt: bindings.boundAt, lastSeenAt: bindings.lastSeenAt })
      .from(bindings)
      .innerJoin(clients, eq(clients.id, bindings.appId))
      .where(and(eq(bindings.phoneHash, caller.phoneHash), activeAt(now, inactivityMs)))
      .orderBy(asc(bindings.id));
    await runtime.db.atomic([
      auditStatement(runtime.db, { at: now, actor: caller, action: "me.bindings_listed", detail: { phone_hash: caller.phoneHash, count: rows.length } }),
    ]);
    return c.json(
      {
        phone_number_hint: caller.phoneHint,
        items: rows.map((row) => ({
          id: row.id,
          app_id: row.appId,
          app_name: row.appName,
          bound_at: rfc3339(row.boundAt),
          last_seen_at: rfc3339(row.lastSeenAt),
          expires_at: rfc3339(row.lastSeenAt + inactivityMs),
        })),
      },
      200,
    );
  });

  app.openapi(deleteRoute, async (c) => {
    const { runtime } = c.var;
    const caller = person(c.var.principal);
    const { id } = c.req.valid("param");
    const row = await runtime.db.orm
      .select({ id: bindings.id })
      .from(bindings)
      .where(and(eq(bindings.id, id), eq(bindings.phoneHash, caller.phoneHash)))
      .get();
    // A binding on another number is indistinguishable from none.
    if (!row) throw new Problem("NOT_FOUND", "no such binding on your number");
    const now = runtime.clock();
    await runtime.db.atomic([
      ...endActiveStatements(runtime.db, eq(bindings.id, id), "USER_REQUEST", now, runtime.config.inactivityMs),
      auditStatement(runtime.db, { at: now, actor: caller, action: "me.binding_unbound", detail: { phone_hash: caller.phoneHash, binding_id: id } }),
    ]);
    return c.body(null, 204);
  });
}
