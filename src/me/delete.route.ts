import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { audit } from "../admin/audit.js";
import { BindingId } from "../bindings/schemas.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute } from "../http/openapi.js";
import { Problem } from "../http/problems.js";
import { person } from "./person.js";

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
    const now = runtime.clock();
    const { shards } = runtime;
    // A binding on another number is indistinguishable from none, wherever its id points.
    const found =
      shards.ofId(id) === shards.ofHash(caller.phoneHash) &&
      (await shards.call(shards.ofHash(caller.phoneHash), "endBinding", {
        id,
        owner: { phoneHash: caller.phoneHash },
        reason: "USER_REQUEST",
        now,
        inactivityMs: runtime.config.inactivityMs,
      }));
    if (!found) throw new Problem("NOT_FOUND", "no such binding on your number");
    await audit(runtime.db, {
      at: now,
      actor: caller,
      action: "me.binding_unbound",
      detail: { phone_hash: caller.phoneHash, binding_id: id },
    });
    return c.body(null, 204);
  });
}
