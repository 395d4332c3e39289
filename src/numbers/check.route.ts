import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { auditStatement } from "../admin/audit.js";
import { rfc3339 } from "../clock.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json, PhoneNumberInput, TimestampOut } from "../http/openapi.js";
import { parsePhones } from "../http/validation.js";
import { outstandingBindings, signAttestation } from "./check.js";

export const MAX_NUMBERS_PER_REQUEST = 1000;

const CheckRequest = z
  .strictObject({ phone_numbers: z.array(PhoneNumberInput).min(1).max(MAX_NUMBERS_PER_REQUEST) })
  .openapi("BindingCheckRequest");

const CheckResponse = z
  .object({
    checked_at: TimestampOut,
    results: z.array(
      z.object({
        phone_number: z.string().openapi({ description: "E.164, in request order." }),
        outstanding: z.number().int().openapi({ description: "Active bindings (accounts) on the number." }),
        apps: z.array(
          z.object({
            app_id: z.string(),
            app_name: z.string(),
            bound_at: TimestampOut,
            last_seen_at: TimestampOut,
            expires_at: TimestampOut,
          }),
        ),
      }),
    ),
    attestation: z.string().openapi({
      description:
        "JWT (typ binding-check+jwt) signed by the registry: iss, iat, jti, sub = carrier, results [{phone_number, outstanding, app_ids}].",
    }),
  })
  .openapi("BindingCheckResponse");

const route = defineRoute({
  method: "post",
  path: "/v1/numbers/bindings",
  tags: ["Numbers"],
  summary: "Which apps still hold these numbers (before resale)",
  description:
    "Only active bindings count. A number outside the carrier's responsibility refuses the whole request (403 NUMBER_NOT_IN_RANGE).",
  scope: "numbers",
  errors: ["NUMBER_NOT_IN_RANGE"],
  request: { body: { required: true, content: json(CheckRequest) } },
  responses: {
    200: { description: "Per number, in request order, with a signed receipt.", content: json(CheckResponse) },
  },
});

export function registerCheckNumbers(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    const pointer = (index: number) => `/phone_numbers/${index}`;
    const phones = parsePhones(runtime, c.req.valid("json").phone_numbers, pointer);
    const now = runtime.clock();
    const { inactivityMs } = runtime.config;
    const checks = await outstandingBindings(runtime, principal.clientId, phones, now, inactivityMs, pointer);
    const attestation = await signAttestation(
      runtime.signer,
      runtime.keys[0]!,
      runtime.config.issuer,
      principal.clientId,
      checks,
      now,
    );
    const hashes = [...new Set(phones.map((phone) => phone.hash))];
    await runtime.db.atomic([
      auditStatement(runtime.db, {
        at: now,
        actor: principal,
        action: "numbers.checked",
        // Hashes for evidence on small checks; a count only for bulk ones, to keep the log lean.
        detail: {
          count: phones.length,
          outstanding: checks.reduce((sum, check) => sum + check.outstanding, 0),
          ...(hashes.length <= 100 ? { phone_hashes: hashes } : {}),
        },
      }),
    ]);
    return c.json(
      {
        checked_at: rfc3339(now),
        results: checks.map((check) => ({
          phone_number: check.phone.e164,
          outstanding: check.outstanding,
          apps: check.apps.map((held) => ({
            app_id: held.appId,
            app_name: held.appName,
            bound_at: rfc3339(held.boundAt),
            last_seen_at: rfc3339(held.lastSeenAt),
            expires_at: rfc3339(held.lastSeenAt + inactivityMs),
          })),
        })),
        attestation,
      },
      200,
    );
  });
}
