import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, asc, eq, gt } from "drizzle-orm";
import { requireScope } from "../auth/middleware.js";
import { bindings } from "../db/schema.js";
import type { AppEnv } from "../env.js";
import { CursorQuery, decodeCursor, LimitQuery, NextCursor, page } from "../pagination.js";
import { Problem, problemResponses } from "../problems.js";
import { AUTH_ERRORS, BindingId, parsePhone, PhoneNumberInput, security, Timestamp, TimestampOut } from "../schemas.js";
import { registerLogin } from "./login.js";
import { endActiveStatements, findOwned, statusFilter } from "./store.js";
import { bindingView } from "./view.js";

const EndReason = z.enum(["APP_UNBOUND", "INACTIVITY", "NUMBER_RECYCLED", "USER_REQUEST"]);

export const BindingSchema = z
  .object({
    id: z.string(),
    phone_number_hint: z.string().openapi({ example: "+86139****5678" }),
    account_ref: z.string(),
    status: z.enum(["active", "expired", "unbound"]),
    bound_at: TimestampOut,
    verified_at: TimestampOut,
    last_seen_at: TimestampOut,
    expires_at: TimestampOut.nullable().openapi({ description: "last_seen_at + the inactivity window; null once unbound." }),
    ended_at: TimestampOut.nullable(),
    end_reason: EndReason.nullable(),
  })
  .openapi("Binding");

const PutBinding = z
  .strictObject({
    phone_number: PhoneNumberInput,
    account_ref: z.string().min(1).max(128).openapi({ description: "The app's opaque account id.", example: "user-42" }),
    verified_at: Timestamp.optional().openapi({
      description: "When the app last proved by a code sent to the number that this account holds it. Defaults to now on creation.",
    }),
  })
  .openapi("PutBinding");

const bindingsScope = requireScope("bindings");
const json = <T extends z.ZodType>(schema: T) => ({ "application/json": { schema } });

const putRoute = createRoute({
  method: "put",
  path: "/v1/bindings",
  tags: ["Bindings"],
  summary: "Register or refresh a binding (call on bind and on every login)",
  description:
    "Creates the binding (201) or refreshes it (200). 409 NUMBER_RECYCLED when the number was reassigned after the " +
    "binding's verified_at; 409 UNBOUND_BY_HOLDER when the holder ended it and no later verified_at is sent.",
  security,
  middleware: [bindingsScope] as const,
  request: { body: { required: true, content: json(PutBinding) } },
  responses: {
    200: { description: "Refreshed (or revived).", content: json(BindingSchema) },
    201: { description: "Created.", content: json(BindingSchema) },
    ...problemResponses("INVALID_ARGUMENT", ...AUTH_ERRORS, "NUMBER_RECYCLED", "UNBOUND_BY_HOLDER", "CONFLICT", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/bindings/{id}",
  tags: ["Bindings"],
  summary: "Read one of the app's bindings",
  security,
  middleware: [bindingsScope] as const,
  request: { params: z.object({ id: BindingId }) },
  responses: { 200: { description: "The binding.", content: json(BindingSchema) }, ...problemResponses(...AUTH_ERRORS, "NOT_FOUND") },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/bindings",
  tags: ["Bindings"],
  summary: "List the app's bindings",
  security,
  middleware: [bindingsScope] as const,
  request: {
    query: z.object({
      account_ref: z.string().min(1).max(128).optional().openapi({ param: { name: "account_ref", in: "query" } }),
      status: z.enum(["active", "expired", "unbound"]).optional().openapi({ param: { name: "status", in: "query" } }),
      limit: LimitQuery,
      cursor: CursorQuery,
    }),
  },
  responses: {
    200: { description: "A page of bindings in a stable order.", content: json(z.object({ items: z.array(BindingSchema), next_cursor: NextCursor })) },
    ...problemResponses("INVALID_ARGUMENT", ...AUTH_ERRORS),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/bindings/{id}",
  tags: ["Bindings"],
  summary: "Unbind (the account unbound the number)",
  description: "Ends the binding with APP_UNBOUND. Deleting an already ended binding is 204 and changes nothing.",
  security,
  middleware: [bindingsScope] as const,
  request: { params: z.object({ id: BindingId }) },
  responses: { 204: { description: "Ended." }, ...problemResponses(...AUTH_ERRORS, "NOT_FOUND") },
});

export function registerBindings(app: OpenAPIHono<AppEnv>): void {
  app.openapi(putRoute, async (c) => {
    const { runtime, principal } = c.var;
    const body = c.req.valid("json");
    const now = runtime.clock();
    const { row, created } = await registerLogin(
      { db: runtime.db, now, inactivityMs: runtime.config.inactivityMs },
      {
        appId: principal.clientId,
        phone: parsePhone(runtime, body.phone_number, "/phone_number"),
        accountRef: body.account_ref,
        verifiedAt: body.verified_at === undefined ? undefined : Date.parse(body.verified_at),
      },
    );
    return c.json(bindingView(row, now, runtime.config.inactivityMs), created ? 201 : 200);
  });

  app.openapi(getRoute, async (c) => {
    const { runtime, principal } = c.var;
    const row = await findOwned(runtime.db, principal.clientId, c.req.valid("param").id);
    // Another app's binding is indistinguishable from none: 404, never 403.
    if (!row) throw new Problem("NOT_FOUND", "no such binding");
    return c.json(bindingView(row, runtime.clock(), runtime.config.inactivityMs), 200);
  });

  app.openapi(listRoute, async (c) => {
    const { runtime, principal } = c.var;
    const { account_ref, status, limit, cursor } = c.req.valid("query");
    const after = decodeCursor<string>(cursor, "string");
    const now = runtime.clock();
    const rows = await runtime.db.orm
      .select()
      .from(bindings)
      .where(
        and(
          eq(bindings.appId, principal.clientId),
          account_ref === undefined ? undefined : eq(bindings.accountRef, account_ref),
          status === undefined ? undefined : statusFilter(status, now, runtime.config.inactivityMs),
          after === undefined ? undefined : gt(bindings.id, after),
        ),
      )
      .orderBy(asc(bindings.id))
      .limit(limit + 1);
    const result = page(rows, limit, (row) => row.id);
    return c.json({ items: result.items.map((row) => bindingView(row, now, runtime.config.inactivityMs)), next_cursor: result.next_cursor }, 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const { runtime, principal } = c.var;
    const { id } = c.req.valid("param");
    const row = await findOwned(runtime.db, principal.clientId, id);
    if (!row) throw new Problem("NOT_FOUND", "no such binding");
    const now = runtime.clock();
    await runtime.db.atomic(endActiveStatements(runtime.db, eq(bindings.id, id), "APP_UNBOUND", now, runtime.config.inactivityMs));
    return c.body(null, 204);
  });
}
