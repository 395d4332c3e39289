import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json } from "../http/openapi.js";
import { Problem } from "../http/problems.js";
import { BindingId, BindingSchema } from "./schemas.js";
import { bindingView } from "./view.js";

const route = defineRoute({
  method: "get",
  path: "/v1/bindings/{id}",
  tags: ["Bindings"],
  summary: "Read one of the app's bindings",
  scope: "bindings",
  errors: ["NOT_FOUND"],
  request: { params: z.object({ id: BindingId }) },
  responses: { 200: { description: "The binding.", content: json(BindingSchema) } },
});

export function registerGetBinding(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    const { id } = c.req.valid("param");
    const shard = runtime.shards.ofId(id);
    const row =
      shard === undefined ? null : await runtime.shards.call(shard, "getBinding", { appId: principal.clientId, id });
    // Another app's binding is indistinguishable from none: 404, never 403.
    if (!row) throw new Problem("NOT_FOUND", "no such binding");
    return c.json(bindingView(row, runtime.clock(), runtime.config.inactivityMs), 200);
  });
}
