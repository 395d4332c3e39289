import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context.js";
import { strictJsonText } from "./strict-json.js";

/** The media types hono's JSON validator reads (application/json, application/*+json). */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json$/i;
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/**
 * Reads a JSON body strictly (strict-json.ts) before any route sees it, and leaves the checked text
 * where `c.req.json()` and the route validators read it, so no route reads the body another way.
 * An empty body goes on untouched: a route without a body ignores it, one with a body refuses it.
 */
export const strictJsonBody: MiddlewareHandler<AppEnv> = createMiddleware<AppEnv>(async (c, next) => {
  const mediaType = (c.req.header("content-type") ?? "").split(";")[0]!.trim();
  if (!BODY_METHODS.has(c.req.method) || !JSON_MEDIA_TYPE.test(mediaType)) return next();
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.length > 0) {
    // hono keeps promises in bodyCache at run time, though its type names the resolved values.
    c.req.bodyCache.text = Promise.resolve(strictJsonText(bytes)) as unknown as string;
  }
  await next();
});
