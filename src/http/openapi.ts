import { createRoute, z } from "@hono/zod-openapi";
import { requireScope } from "../auth/middleware.js";
import { type ProblemCode, problemResponses } from "./problems.js";

type RouteConfig = Parameters<typeof createRoute>[0];

/**
 * A route whose documented error responses are derived from its definition, so they cannot
 * drift from what the code emits: a scope means authentication, its check and the caller's
 * budget (401, 403, 429), any params, query or body mean validation (400), a body means its size
 * and media type (413, 415), and anything may fail on our side (500). `errors` adds what the handler itself throws.
 */
export function defineRoute<P extends string, R extends Omit<RouteConfig, "path"> & { path: P }>(
  config: R & { scope?: string; errors?: readonly ProblemCode[] },
): R {
  const { scope, errors = [], ...route } = config;
  const codes = new Set<ProblemCode>(errors);
  if (scope !== undefined) codes.add("UNAUTHENTICATED").add("PERMISSION_DENIED").add("RATE_LIMITED");
  const request = route.request;
  if (request?.params || request?.query || request?.body) codes.add("INVALID_ARGUMENT");
  if (request?.body) codes.add("PAYLOAD_TOO_LARGE").add("UNSUPPORTED_MEDIA_TYPE");
  codes.add("INTERNAL");
  return createRoute({
    ...route,
    ...(scope === undefined ? {} : { security: [{ bearer: [] }], middleware: [requireScope(scope)] }),
    responses: { ...route.responses, ...problemResponses(codes) },
  }) as unknown as R;
}

/** A JSON body or response with this schema. */
export const json = <T extends z.ZodType>(schema: T) => ({ "application/json": { schema } });

export const PhoneNumberInput = z.string().min(1).max(32).openapi({
  description: "E.164 (`+8613912345678`) or national form in the registry's default region (`139 1234 5678`).",
  example: "+8613912345678",
});

export const Timestamp = z.iso
  .datetime({ offset: true })
  .openapi({ description: "RFC 3339 timestamp.", example: "2026-01-15T08:00:00Z" });
export const TimestampOut = z.string().openapi({ format: "date-time", example: "2026-01-15T08:00:00.000Z" });
