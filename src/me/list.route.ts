import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { audit } from "../admin/audit.js";
import { rfc3339 } from "../clock.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json, TimestampOut } from "../http/openapi.js";
import { clientNames } from "../numbers/store.js";
import { person } from "./person.js";

const MyBindings = z
  .object({
    phone_number_hint: z.string().openapi({ example: "+86139****5678" }),
    items: z.array(
      z.object({
        id: z.string(),
        app_id: z.string(),
        app_name: z.string(),
        bound_at: TimestampOut,
        verified_at: TimestampOut.openapi({
          description:
            "When the app last verified that its account holds the number: before you held it, it is not yours.",
        }),
        last_seen_at: TimestampOut,
        expires_at: TimestampOut,
      }),
    ),
  })
  .openapi("MyBindings");

const route = defineRoute({
  method: "get",
  path: "/v1/me/bindings",
  tags: ["Me"],
  summary: "The apps that have my number bound",
  description: "Active bindings of the number the carrier attested. Never an account reference.",
  scope: "me",
  responses: { 200: { description: "Active bindings.", content: json(MyBindings) } },
});

export function registerListMyBindings(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime } = c.var;
    const caller = person(c.var.principal);
    const now = runtime.clock();
    const { inactivityMs } = runtime.config;
    const rows = await runtime.shards.call(runtime.shards.ofHash(caller.phoneHash), "bindingsOnNumber", {
      phoneHash: caller.phoneHash,
      now,
      inactivityMs,
    });
    const names = await clientNames(
      runtime.db,
      rows.map((row) => row.appId),
    );
    await audit(runtime.db, {
      at: now,
      actor: caller,
      action: "me.bindings_listed",
      detail: { phone_hash: caller.phoneHash, count: rows.length },
    });
    return c.json(
      {
        phone_number_hint: caller.phoneHint,
        items: rows.map((row) => ({
          id: row.id,
          app_id: row.appId,
          app_name: names.get(row.appId) ?? row.appId,
          bound_at: rfc3339(row.boundAt),
          verified_at: rfc3339(row.verifiedAt),
          last_seen_at: rfc3339(row.lastSeenAt),
          expires_at: rfc3339(row.lastSeenAt + inactivityMs),
        })),
      },
      200,
    );
  });
}
