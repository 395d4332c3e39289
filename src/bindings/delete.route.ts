import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";
import { defineRoute } from "../http/openapi.js";
import { Problem } from "../http/problems.js";
import { BindingId } from "./schemas.js";
import { endBinding, findOwned } from "./store.js";

const route = defineRoute({
  method: "delete",
  path: "/v1/bindings/{id}",
  tags: ["Bindings"],
  summary: "Unbind (the account unbound the number)",
  description: "Ends the binding with APP_UNBOUND. Deleting an already ended binding is 204 and changes nothing.",
  scope: "bindings",
  errors: ["NOT_FOUND"],
  request: { params: z.object({ id: BindingId }) },
  responses: { 204: { description: "Ended." } },
});

export function registerDeleteBinding(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    const { id } = c.req.valid("param");
    const row = await findOwned(runtime.db, principal.clientId, id);
    if (!row) throw new Problem("NOT_FOUND", "no such binding");
    await runtime.db.atomic(endBinding(runtime.db, id, "APP_UNBOUND", runtime.clock(), runtime.config.inactivityMs));
    return c.body(null, 204);
  });
}
