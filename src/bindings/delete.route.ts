import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";
import { defineRoute } from "../http/openapi.js";
import { Problem } from "../http/problems.js";
import { BindingId } from "./schemas.js";

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
    const shard = runtime.shards.ofId(id);
    const found =
      shard !== undefined &&
      (await runtime.shards.call(shard, "endBinding", {
        id,
        owner: { appId: principal.clientId },
        reason: "APP_UNBOUND",
        now: runtime.clock(),
        inactivityMs: runtime.config.inactivityMs,
      }));
    // Another app's binding is indistinguishable from none: 404, never 403.
    if (!found) throw new Problem("NOT_FOUND", "no such binding");
    return c.body(null, 204);
  });
}
