import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../http/context.js";
import { Problem } from "../http/problems.js";

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;

/** Verifies the bearer token and puts the principal on the context; 401 otherwise. */
export const authenticate: MiddlewareHandler<AppEnv> = createMiddleware<AppEnv>(async (c, next) => {
  const { tokens, clientStatus } = c.var.runtime;
  const match = BEARER.exec(c.req.header("authorization") ?? "");
  if (!match) throw new Problem("UNAUTHENTICATED", "send an access token: Authorization: Bearer <token>");
  const principal = await tokens.verify(match[1]!);
  if (!(await clientStatus.isEnabled(principal.clientId))) {
    throw new Problem("UNAUTHENTICATED", "the client behind this token is disabled");
  }
  c.set("principal", principal);
  await next();
});

/** 403 unless the token carries the scope. Runs after `authenticate`. */
export function requireScope(scope: string): MiddlewareHandler<AppEnv> {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!c.var.principal.scopes.includes(scope)) {
      throw new Problem("PERMISSION_DENIED", `this operation needs the "${scope}" scope`);
    }
    await next();
  });
}
