import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { routeOfHash } from "../db/shards.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json, PhoneNumberInput, Timestamp } from "../http/openapi.js";
import { parsePhone } from "../http/validation.js";
import { BindingSchema } from "./schemas.js";
import { bindingView } from "./view.js";

const PutBinding = z
  .strictObject({
    phone_number: PhoneNumberInput,
    account_ref: z
      .string()
      .min(1)
      .max(128)
      .openapi({ description: "The app's opaque account id.", example: "user-42" }),
    verified_at: Timestamp.optional().openapi({
      description:
        "When the app last proved by a code sent to the number that this account holds it. Defaults to now on creation.",
    }),
  })
  .openapi("PutBinding");

const route = defineRoute({
  method: "put",
  path: "/v1/bindings",
  tags: ["Bindings"],
  summary: "Register or refresh a binding (call on bind and on every login)",
  description:
    "Creates the binding (201) or refreshes it (200). 409 NUMBER_RECYCLED when the number was reassigned after the " +
    "binding's verified_at; 409 UNBOUND_BY_HOLDER when the holder ended it and no later verified_at is sent.",
  scope: "bindings",
  errors: ["NUMBER_RECYCLED", "UNBOUND_BY_HOLDER", "CONFLICT"],
  request: { body: { required: true, content: json(PutBinding) } },
  responses: {
    200: { description: "Refreshed (or revived).", content: json(BindingSchema) },
    201: { description: "Created.", content: json(BindingSchema) },
  },
});

export function registerPutBinding(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    const body = c.req.valid("json");
    const now = runtime.clock();
    const { inactivityMs } = runtime.config;
    const phone = parsePhone(runtime, body.phone_number, "/phone_number");
    const { row, created } = await runtime.shards.call(runtime.shards.ofHash(phone.hash), "login", {
      appId: principal.clientId,
      phoneHash: phone.hash,
      phoneHint: phone.hint,
      route: routeOfHash(phone.hash),
      accountRef: body.account_ref,
      verifiedAt: body.verified_at === undefined ? undefined : Date.parse(body.verified_at),
      now,
      inactivityMs,
    });
    return c.json(bindingView(row, now, inactivityMs), created ? 201 : 200);
  });
}
