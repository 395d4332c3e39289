import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { auditStatement } from "../admin/audit.js";
import { BindingId } from "../bindings/schemas.js";
import { endBinding } from "../bindings/store.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute } from "../http/openapi.js";
import { Problem } from "../http/problems.js";
import { person } from "./person.js";
import { isOnNumber } from "./store.js";

const route = defineRoute({
  method: "delete",
  path: "/v1/me/bindings/{id}",
  tags: ["Me"],
  summary: "Cut one app's binding to my number",
  description: "Ends it with USER_REQUEST; the app is told, and cannot re-bind without a verification later than this.",
  scope: "me",
  errors: ["NOT_FOUND"],
  request: { params: z.object({ id: BindingId }) },
  responses: { 204: { description: "Ended." } },
});

export function registerDeleteMyBinding(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime } = c.var;
    const caller = person(c.var.principal);
    const { id } = c.req.valid("param");
    // A binding on another number is indistinguishable from none.
    if (!(await isOnNumber(runtime.db, id, caller.phoneHash)))
      throw new Problem("NOT_FOUND", "no such binding on your number");
    const now = runtime.clock();
    await runtime.db.atomic([
      ...endBinding(runtime.db, id, "USER_REQUEST", now, runtime.config.inactivityMs),
      auditStatement(runtime.db, {
        at: now,
        actor: caller,
        action: "me.binding_unbound",
        detail: { phone_hash: caller.phoneHash, binding_id: id },
      }),
    ]);
    return c.body(null, 204);
  });
}
