import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../http/context.js";
import { registerListAttempts } from "./attempts.route.js";
import { registerCreateEndpoint } from "./create.route.js";
import { registerDeleteEndpoint } from "./delete.route.js";
import { registerGetEndpoint } from "./get.route.js";
import { registerListEndpoints } from "./list.route.js";
import { registerReplay } from "./replay.route.js";
import { registerRotateSecret } from "./rotate-secret.route.js";
import { registerTestEndpoint } from "./test.route.js";
import { registerUpdateEndpoint } from "./update.route.js";

/** The webhook routes (DESIGN.md, Apps → Webhooks), one file per operation. */
export function registerWebhooks(app: OpenAPIHono<AppEnv>): void {
  for (const register of [
    registerCreateEndpoint,
    registerListEndpoints,
    registerGetEndpoint,
    registerUpdateEndpoint,
    registerDeleteEndpoint,
    registerRotateSecret,
    registerTestEndpoint,
    registerListAttempts,
    registerReplay,
  ]) {
    register(app);
  }
}
