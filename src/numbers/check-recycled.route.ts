import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { rfc3339 } from "../clock.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json, PhoneNumberInput, Timestamp, TimestampOut } from "../http/openapi.js";
import { parsePhone } from "../http/validation.js";

const CheckRecycled = z
  .strictObject({
    phone_number: PhoneNumberInput,
    since: Timestamp.openapi({ description: "When the caller last knew the number to be its user's." }),
  })
  .openapi("CheckRecycled");

const CheckRecycledResult = z
  .object({
    recycled: z.boolean().openapi({ description: "Whether the number was reassigned after `since`." }),
    last_reassigned_at: TimestampOut.nullable(),
  })
  .openapi("CheckRecycledResult");

const route = defineRoute({
  method: "post",
  path: "/v1/numbers/check-recycled",
  tags: ["Numbers"],
  summary: "Was this number reassigned since a date?",
  scope: "numbers:check-recycled",
  request: { body: { required: true, content: json(CheckRecycled) } },
  responses: { 200: { description: "The answer.", content: json(CheckRecycledResult) } },
});

export function registerCheckRecycled(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime } = c.var;
    const body = c.req.valid("json");
    const phone = parsePhone(runtime, body.phone_number, "/phone_number");
    const reassignedAt = await runtime.shards.call(runtime.shards.ofHash(phone.hash), "lastReassignedAt", {
      phoneHash: phone.hash,
    });
    return c.json(
      {
        recycled: reassignedAt !== null && reassignedAt > Date.parse(body.since),
        last_reassigned_at: rfc3339(reassignedAt),
      },
      200,
    );
  });
}
