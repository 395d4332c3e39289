import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { rfc3339 } from "../clock.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json, PhoneNumberInput, Timestamp, TimestampOut } from "../http/openapi.js";
import { parsePhone } from "../http/validation.js";
import { recycledFrom } from "./recycled.js";

const CheckRecycled = z
  .strictObject({
    phone_number: PhoneNumberInput,
    since: Timestamp.openapi({ description: "When the caller last knew the number to be its user's." }),
  })
  .openapi("CheckRecycled");

const CheckRecycledResult = z
  .object({
    recycled: z
      .boolean()
      .nullable()
      .openapi({
        description:
          "`true`: the number was reassigned to a new subscriber after `since`. `false`: it was not, and its " +
          "carrier's reports cover all of that time. `null`: no data — no carrier in the registry answers for " +
          "the number (`reporting_since` is null), or its reports start after `since` (`reporting_since` says " +
          "when). A port is never a recycle.",
      }),
    last_reassigned_at: TimestampOut.nullable().openapi({
      description: "The last reassignment the registry knows of, whatever the answer; null when none.",
    }),
    reporting_since: TimestampOut.nullable().openapi({
      description:
        "Since when the reports on this number are complete: its carrier's `reporting_since` (for a ported " +
        "number, the later of its carrier's and its number block's carrier's); null when no carrier answers for it.",
    }),
  })
  .openapi("CheckRecycledResult");

const route = defineRoute({
  method: "post",
  path: "/v1/numbers/check-recycled",
  tags: ["Numbers"],
  summary: "Was this number reassigned since a date?",
  description:
    "The reassigned-numbers question with three answers: `true`, `false`, or `null` when the registry has no " +
    "data for that time. The same rule answers the CAMARA Number Recycling API (`/number-recycling/v0.2/check`).",
  scope: "numbers:check-recycled",
  request: { body: { required: true, content: json(CheckRecycled) } },
  responses: { 200: { description: "The answer.", content: json(CheckRecycledResult) } },
});

export function registerCheckRecycled(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime } = c.var;
    const body = c.req.valid("json");
    const phone = parsePhone(runtime, body.phone_number, "/phone_number");
    // Timestamps are whole milliseconds: "after since" is from the next one on.
    const answer = await recycledFrom(runtime, phone, Date.parse(body.since) + 1);
    return c.json(
      {
        recycled: answer.recycled,
        last_reassigned_at: rfc3339(answer.lastReassignedAt),
        reporting_since: rfc3339(answer.reportingSince),
      },
      200,
    );
  });
}
