import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { AccessTokens } from "./auth/access-token.js";
import { ClientStatusCache } from "./auth/clients.js";
import { joseJwtSigner } from "./auth/jwt-signer.js";
import { importSigningKeys } from "./auth/keys.js";
import { authenticate } from "./auth/middleware.js";
import { registerMetadata } from "./auth/metadata-routes.js";
import { registerToken } from "./auth/token-route.js";
import { registerAdmin } from "./admin/routes.js";
import { registerBindings } from "./bindings/routes.js";
import { registerEvents } from "./events/routes.js";
import { registerCheckRecycled } from "./numbers/check-recycled.js";
import { registerNumbers } from "./numbers/routes.js";
import { registerMe } from "./me/routes.js";
import type { AppEnv, Deps, Runtime } from "./env.js";
import { renderProblem, validationProblem } from "./http.js";
import { Problem } from "./problems.js";
import { registerService } from "./service/routes.js";

const MAX_BODY_BYTES = 1024 * 1024;
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const DECIMAL = /^\d{1,15}$/;
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export const OPENAPI_INFO = {
  title: "numbind",
  version: "1.0.0",
  description:
    "An open registry of phone-number bindings across apps. Apps register and refresh bindings, carriers report " +
    "a number's life and check it before resale, people see and cut the bindings on their own number.",
};

/** Builds the whole HTTP app over the given database, clock and config. Does no I/O. */
export function createApp(deps: Deps) {
  const logError = deps.logError ?? ((message, error) => console.error(message, error));
  let runtime: Promise<Runtime> | undefined;
  const buildRuntime = async (): Promise<Runtime> => {
    const keys = await importSigningKeys(deps.config.signingKeys);
    const signer = deps.signer ?? joseJwtSigner;
    return {
      db: deps.db,
      config: deps.config,
      clock: deps.clock,
      keys,
      signer,
      tokens: new AccessTokens(keys, signer, deps.config.issuer, deps.clock),
      clientStatus: new ClientStatusCache(deps.db, deps.clock),
    };
  };

  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationProblem(result.error, result.target);
    },
  });

  app.use("*", async (c, next) => {
    const sent = c.req.header("x-request-id");
    c.set("requestId", sent && SANE_REQUEST_ID.test(sent) ? sent : crypto.randomUUID());
    c.set("runtime", await (runtime ??= buildRuntime()));
    // Set before the handler runs, so they go into whichever response is made, errors included.
    // (Editing a finished response's headers makes @hono/node-server build a full web Response.)
    c.header("X-Request-Id", c.var.requestId);
    c.header("X-Content-Type-Options", "nosniff");
    await next();
  });
  const tooLarge = () => {
    throw new Problem("PAYLOAD_TOO_LARGE", `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
  };
  const limitStreamedBody = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge });
  app.use("*", async (c, next) => {
    // A declared length is judged from the header (the HTTP server holds the client to it), so
    // the body is not turned into a stream just to be measured; a body without one is counted
    // by hono's bodyLimit as it is read.
    const length = c.req.header("content-length");
    if (length !== undefined && DECIMAL.test(length) && c.req.header("transfer-encoding") === undefined) {
      return Number(length) > MAX_BODY_BYTES ? tooLarge() : next();
    }
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    return limitStreamedBody(c, next);
  });
  app.use("/v1/*", async (c, next) => {
    c.header("Cache-Control", "no-store");
    if (["POST", "PUT", "PATCH"].includes(c.req.method) && !JSON_MEDIA_TYPE.test(c.req.header("content-type") ?? "")) {
      throw new Problem("UNSUPPORTED_MEDIA_TYPE", "send the request body as application/json");
    }
    await next();
  });
  app.use("/v1/*", authenticate);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "An access token from POST /oauth/token.",
  });

  registerToken(app);
  registerMetadata(app);
  registerBindings(app);
  registerEvents(app);
  registerCheckRecycled(app);
  registerNumbers(app);
  registerMe(app);
  registerAdmin(app);
  registerService(app, () => openApiDocument(app));

  app.notFound((c) => renderProblem(c, new Problem("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => {
    if (error instanceof Problem) return renderProblem(c, error);
    if (error instanceof HTTPException && error.status === 400) {
      // hono's validator: a body that is not JSON at all.
      return renderProblem(c, new Problem("INVALID_ARGUMENT", "the request body is not valid JSON"));
    }
    logError(`request ${c.get("requestId")} failed: ${c.req.method} ${c.req.path}`, error);
    return renderProblem(c, new Problem("INTERNAL", "the request failed on our side; quote the request_id when reporting it"));
  });
  return app;
}

export type App = ReturnType<typeof createApp>;

export function openApiDocument(app: OpenAPIHono<AppEnv>) {
  return app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: OPENAPI_INFO,
    tags: [
      { name: "Authentication" },
      { name: "Bindings", description: "Apps: register and refresh bindings." },
      { name: "Events", description: "Apps: what happened to their bindings." },
      { name: "Numbers", description: "Carriers and apps: a number's life." },
      { name: "Me", description: "People: the bindings on their own number." },
      { name: "Admin", description: "Operators." },
      { name: "Service" },
    ],
  });
}
