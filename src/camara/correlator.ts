import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../http/context.js";

/**
 * CAMARA's XCorrelator (Commonalities r3.3). Built without the `v` flag: under it this class is
 * not valid syntax.
 */
// biome-ignore lint/complexity/noUselessEscapeInRegex: CAMARA's own spelling, so the documented pattern is its text.
const X_CORRELATOR = /^[a-zA-Z0-9-_:;.\/<>{}]{0,256}$/;

const XCorrelator = z
  .string()
  .regex(X_CORRELATOR)
  .openapi("XCorrelator", { example: "b4333c46-49c0-4f62-80d7-f0ef930f1c46" });

const DESCRIPTION = "Correlation id for the different services";

/** The request header, as the route declares (and validates) it. */
export const CorrelatorParameter = z.object({
  "x-correlator": XCorrelator.optional().openapi({ param: { description: DESCRIPTION } }),
});

/** The response header every answer carries, errors included. */
export const CorrelatorHeader = {
  "x-correlator": { description: DESCRIPTION, schema: { $ref: "#/components/schemas/XCorrelator" } },
};

/**
 * The answer's x-correlator: the caller's when it sent a valid, non-empty one (Design Guide r3.3
 * §5.8.5: it MUST be echoed); else this request's id, so that every answer carries one that the
 * logs know too. An invalid one is never repeated.
 */
export function correlatorOf(c: Context<AppEnv>): string {
  const sent = c.req.header("x-correlator");
  return sent && X_CORRELATOR.test(sent) ? sent : (c.get("requestId") ?? crypto.randomUUID());
}
