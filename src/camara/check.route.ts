import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { requireScope } from "../auth/middleware.js";
import { rfc3339 } from "../clock.js";
import type { AppEnv } from "../http/context.js";
import { recycledFrom } from "../numbers/recycled.js";
import { parsePhoneInput } from "../phone.js";
import { CorrelatorHeader, CorrelatorParameter, correlatorOf } from "./correlator.js";
import { CamaraError, camaraErrorResponses, ErrorInfo } from "./errors.js";
import { CheckNumRecyclingInfo, CreateCheckNumRecycling } from "./schemas.js";

const SCOPE = "number-recycling:check";
const DAY_MS = 86_400_000;

export const CAMARA_TAG = {
  name: "Number Recycling (CAMARA)",
  description:
    "CAMARA Number Recycling r2.2 (v0.2.0), as CAMARA specifies it: its request and answer, its error body " +
    "`{status, code, message}` and codes, `x-correlator`. The same question as `/v1/numbers/check-recycled`, " +
    "whose `null` (no data) is here `404 IDENTIFIER_NOT_FOUND` or `422 SERVICE_NOT_APPLICABLE`.",
};

const route = createRoute({
  method: "post",
  path: "/number-recycling/v0.2/check",
  operationId: "checkNumberRecycling",
  tags: [CAMARA_TAG.name],
  summary: "Check whether the subscriber of the phone number has changed.",
  description:
    "`true` when the number was reassigned to a new subscriber on a day after `specifiedDate` (UTC days; a change " +
    "on `specifiedDate` itself does not count). A port is not a change of subscriber. Takes an app's access token " +
    "(client credentials, two-legged), so `phoneNumber` is required: without it the answer is " +
    "`422 MISSING_IDENTIFIER`. A number no carrier in the registry answers for is `404 IDENTIFIER_NOT_FOUND`; a date " +
    "before its carrier's reports are complete is `422 SERVICE_NOT_APPLICABLE`.",
  security: [{ openId: [SCOPE] }],
  middleware: [requireScope(SCOPE)],
  request: {
    headers: CorrelatorParameter,
    body: {
      description: "Check whether the subscriber of the phone number has changed.",
      required: true,
      content: { "application/json": { schema: CreateCheckNumRecycling } },
    },
  },
  responses: {
    200: {
      description: "OK",
      headers: CorrelatorHeader,
      content: { "application/json": { schema: CheckNumRecyclingInfo } },
    },
    ...camaraErrorResponses([
      "INVALID_ARGUMENT",
      "OUT_OF_RANGE",
      "UNAUTHENTICATED",
      "PERMISSION_DENIED",
      "IDENTIFIER_NOT_FOUND",
      "UNSUPPORTED_MEDIA_TYPE",
      "SERVICE_NOT_APPLICABLE",
      "MISSING_IDENTIFIER",
      "TOO_MANY_REQUESTS",
      "INTERNAL",
    ]),
  },
});

/** YYYY-MM-DD of the UTC day holding `ms`. */
function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * CAMARA counts no change on `specifiedDate` itself ("the day a user signed … answers false"), so
 * changes count from the start of the next day. Days are UTC days, as every time in numbind.
 */
function startOfNextUtcDay(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) + DAY_MS;
}

/** The earliest specifiedDate whose next day starts at or after `reportingSince`. */
function earliestDate(reportingSince: number): string {
  return utcDate(Math.ceil(reportingSince / DAY_MS) * DAY_MS - DAY_MS);
}

export function registerCamaraCheck(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "openId", {
    type: "openIdConnect",
    // Relative to this document (OpenAPI 3.1): the registry's own discovery document.
    openIdConnectUrl: "/.well-known/openid-configuration",
    description: "An app's access token from POST /oauth/token (client credentials) with `number-recycling:check`.",
  });
  app.openAPIRegistry.register("ErrorInfo", ErrorInfo);

  app.openapi(route, async (c) => {
    const { runtime } = c.var;
    const body = c.req.valid("json");
    // Only apps' client-credentials tokens carry the scope: two-legged, so the number must be in the body.
    if (body.phoneNumber === undefined) throw new CamaraError("MISSING_IDENTIFIER");
    const today = utcDate(runtime.clock());
    if (body.specifiedDate > today) {
      throw new CamaraError("OUT_OF_RANGE", `specifiedDate is later than today (${today}, UTC).`);
    }
    // Matches the pattern but is no number anyone can hold: not found, like one no carrier answers for.
    const phone = parsePhoneInput(runtime.config.pepper, body.phoneNumber, runtime.config.defaultRegion);
    if (!phone) throw new CamaraError("IDENTIFIER_NOT_FOUND");
    const answer = await recycledFrom(runtime, phone, startOfNextUtcDay(body.specifiedDate));
    if (answer.reportingSince === null) throw new CamaraError("IDENTIFIER_NOT_FOUND");
    if (answer.recycled === null) {
      throw new CamaraError(
        "SERVICE_NOT_APPLICABLE",
        `The service is not available for the provided phone number for a specifiedDate before ` +
          `${earliestDate(answer.reportingSince)}: its carrier's reports are complete from ${rfc3339(answer.reportingSince)}.`,
      );
    }
    c.header("x-correlator", correlatorOf(c));
    return c.json({ phoneNumberRecycled: answer.recycled }, 200);
  });
}
