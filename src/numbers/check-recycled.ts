import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { requireScope } from "../auth/middleware.js";
import { lastReassignedAt } from "../bindings/store.js";
import { rfc3339 } from "../clock.js";
import type { AppEnv } from "../env.js";
import { problemResponses } from "../problems.js";
import { AUTH_ERRORS, parsePhone, PhoneNumberInput, security, Timestamp, TimestampOut } from "../schemas.js";

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

const route = createRoute({
  method: "post",
  path: "/v1/numbers/check-recycled",
  tags: ["Numbers"],
  summary: "Was this number reassigned since a date?",
  security,
  middleware: [requireScope("numbers:check-recycled")] as const,
  request: { body: { required: true, content: { "application/json": { schema: CheckRecycled } } } },
  responses: {
    200: { description: "The answer.", content: { "application/json": { schema: CheckRecycledResult } } },
    ...problemResponses("INVALID_ARGUMENT", ...AUTH_ERRORS, "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"),
  },
});

export function registerCheckRecycled(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime } = c.var;
    const body = c.req.valid("json");
    const phone = parsePhone(runtime, body.phone_number, "/phone_number");
    const reassignedAt = await lastReassignedAt(runtime.db, phone.hash);
    return c.json({ recycled: reassignedAt !== null && reassignedAt > Date.parse(body.since), last_reassigned_at: rfc3339(reassignedAt) }, 200);
  });
}
