import type { Context } from "hono";
import { matchedRoutes } from "hono/route";

/**
 * The pattern of the route a request matched (`/v1/bindings/:id`), for logs: never the path as
 * sent, which may carry a phone number or an id. Middleware matches every path as method ALL.
 */
export function routePattern(c: Context): string {
  return matchedRoutes(c).findLast((route) => route.method !== "ALL")?.path ?? "(no route)";
}
