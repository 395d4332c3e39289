import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { registerListAudit } from "./admin/audit.route.js";
import { registerCreateClient } from "./admin/create-client.route.js";
import { registerListClients } from "./admin/list-clients.route.js";
import { registerUpdateClient } from "./admin/update-client.route.js";
import { AccessTokens } from "./auth/access-token.js";
import { ClientStatusCache } from "./auth/clients.js";
import { registerJwks } from "./auth/jwks.route.js";
import { joseJwtSigner } from "./auth/jwt-signer.js";
import { importSigningKeys } from "./auth/keys.js";
import { registerMetadata } from "./auth/metadata.route.js";
import { authenticate } from "./auth/middleware.js";
import { registerOpenIdConfiguration } from "./auth/openid-configuration.route.js";
import { registerToken, renderTokenEndpointProblem, TOKEN_PATH } from "./auth/token.route.js";
import { registerDeleteBinding } from "./bindings/delete.route.js";
import { registerGetBinding } from "./bindings/get.route.js";
import { IMPORT_MAX_BYTES, IMPORT_MEDIA_TYPE, IMPORT_PATH, registerImportBindings } from "./bindings/import.route.js";
import { registerListBindings } from "./bindings/list.route.js";
import { registerPutBinding } from "./bindings/put.route.js";
import { CAMARA_TAG, registerCamaraCheck } from "./camara/check.route.js";
import { CamaraError, onCamaraApi, renderCamaraError } from "./camara/errors.js";
import { registerDevCarrier } from "./dev-carrier/routes.js";
import { registerListEvents } from "./events/list.route.js";
import type { AppEnv, Deps, Runtime } from "./http/context.js";
import { strictJsonBody } from "./http/json-body.js";
import { Problem, renderProblem } from "./http/problems.js";
import { RequestBudgets, requestBudget, tokenRequestBudget } from "./http/rate-limit.js";
import { routePattern } from "./http/route-pattern.js";
import { validationProblem } from "./http/validation.js";
import { registerDeleteMyBinding } from "./me/delete.route.js";
import { registerListMyBindings } from "./me/list.route.js";
import { registerCheckNumbers } from "./numbers/check.route.js";
import { registerCheckRecycled } from "./numbers/check-recycled.route.js";
import { registerReportEvents } from "./numbers/events.route.js";
import { registerPeoplePage } from "./people/routes.js";
import { registerDocs } from "./service/docs.route.js";
import { registerHealth } from "./service/health.route.js";
import { registerWebhooks } from "./webhooks/routes.js";
import { fetchTransport } from "./webhooks/transport.js";

const MAX_BODY_BYTES = 1024 * 1024;
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const DECIMAL = /^\d{1,15}$/;
const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

const OPENAPI_INFO = {
  title: "numbind",
  version: "0.2.0",
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
      shards: deps.shards,
      config: deps.config,
      clock: deps.clock,
      keys,
      signer,
      tokens: new AccessTokens(keys, signer, deps.config.issuer, deps.clock),
      clientStatus: new ClientStatusCache(deps.db, deps.clock),
      webhooks: deps.webhooks ?? fetchTransport(),
    };
  };
  // A failed build is not kept: the next request tries again rather than failing for ever.
  const currentRuntime = () => {
    runtime ??= buildRuntime().catch((error: unknown) => {
      runtime = undefined;
      throw error;
    });
    return runtime;
  };

  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationProblem(result.error, result.target);
    },
  });

  app.use("*", async (c, next) => {
    const sent = c.req.header("x-request-id");
    c.set("requestId", sent && SANE_REQUEST_ID.test(sent) ? sent : crypto.randomUUID());
    // Set before the handler runs, so they go into whichever response is made, errors included.
    // (Editing a finished response's headers makes @hono/node-server build a full web Response.)
    c.header("X-Request-Id", c.var.requestId);
    c.header("X-Content-Type-Options", "nosniff");
    c.set("runtime", await currentRuntime());
    await next();
  });
  // An import carries up to 10,000 lines; every other body fits in 1 MiB.
  const tooLarge = (limit: number) => {
    throw new Problem("PAYLOAD_TOO_LARGE", `request bodies are limited to ${limit} bytes`);
  };
  const limitStreamedBody = bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => tooLarge(MAX_BODY_BYTES) });
  const limitStreamedImport = bodyLimit({ maxSize: IMPORT_MAX_BYTES, onError: () => tooLarge(IMPORT_MAX_BYTES) });
  app.use("*", async (c, next) => {
    // A declared length is judged from the header (the HTTP server holds the client to it), so
    // the body is not turned into a stream just to be measured; a body without one is counted
    // by hono's bodyLimit as it is read.
    const length = c.req.header("content-length");
    const isImport = c.req.path === IMPORT_PATH;
    const limit = isImport ? IMPORT_MAX_BYTES : MAX_BODY_BYTES;
    if (length !== undefined && DECIMAL.test(length) && c.req.header("transfer-encoding") === undefined) {
      return Number(length) > limit ? tooLarge(limit) : next();
    }
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    return (isImport ? limitStreamedImport : limitStreamedBody)(c, next);
  });
  // The CAMARA API (src/camara) is guarded like /v1; only its error body differs (onError).
  const budgets = new RequestBudgets(deps.db, deps.clock, deps.config.rateLimits);
  for (const api of ["/v1/*", "/number-recycling/*"]) {
    app.use(api, async (c, next) => {
      c.header("Cache-Control", "no-store");
      const type = c.req.header("content-type") ?? "";
      if (c.req.path === IMPORT_PATH) {
        if (c.req.method === "POST" && !IMPORT_MEDIA_TYPE.test(type)) {
          throw new Problem(
            "UNSUPPORTED_MEDIA_TYPE",
            "send the import as application/x-ndjson: one JSON object per line",
          );
        }
      } else if (["POST", "PUT", "PATCH"].includes(c.req.method) && !JSON_MEDIA_TYPE.test(type)) {
        throw new Problem("UNSUPPORTED_MEDIA_TYPE", "send the request body as application/json");
      }
      await next();
    });
    app.use(api, authenticate);
    // Budgets right after authentication and before anything reads the body (DESIGN, Errors).
    app.use(api, requestBudget(budgets));
  }
  app.use(TOKEN_PATH, tokenRequestBudget(budgets, deps.remoteAddress ?? (() => undefined)));
  app.use("*", strictJsonBody);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "An access token from POST /oauth/token.",
  });

  for (const register of [
    registerToken,
    registerJwks,
    registerMetadata,
    registerOpenIdConfiguration,
    registerPutBinding,
    registerImportBindings,
    registerGetBinding,
    registerListBindings,
    registerDeleteBinding,
    registerListEvents,
    registerWebhooks,
    registerCheckRecycled,
    registerCamaraCheck,
    registerCheckNumbers,
    registerReportEvents,
    registerListMyBindings,
    registerDeleteMyBinding,
    registerCreateClient,
    registerListClients,
    registerUpdateClient,
    registerListAudit,
    registerHealth,
  ]) {
    register(app);
  }
  registerDocs(app, () => openApiDocument(app));
  // The page for people, a client of the routes above; the development carrier first, as it
  // registers itself before /me lists the carriers.
  registerDevCarrier(app);
  registerPeoplePage(app);

  // Neither the answer nor the log repeats a path: a caller may put a phone number in it.
  app.notFound((c) => {
    const problem = new Problem(
      "NOT_FOUND",
      "no route has this method and path; the API is described at /openapi.json",
    );
    return onCamaraApi(c.req.path) ? renderCamaraError(c, problem) : renderProblem(c, problem);
  });
  app.onError((error, c) => {
    let problem: Problem;
    if (error instanceof CamaraError) return renderCamaraError(c, error);
    if (error instanceof Problem) problem = error;
    else if (error instanceof HTTPException && error.status === 400) {
      // hono's validator: a body that is not JSON at all.
      problem = new Problem("INVALID_ARGUMENT", "the request body is not valid JSON");
    } else {
      logError(`request ${c.get("requestId")} failed: ${c.req.method} ${routePattern(c)}`, error);
      problem = new Problem("INTERNAL", "the request failed on our side; quote the request_id when reporting it");
    }
    if (c.req.path === TOKEN_PATH) return renderTokenEndpointProblem(c, problem);
    // CAMARA clients read CAMARA's {status, code, message}, whatever failed.
    return onCamaraApi(c.req.path) ? renderCamaraError(c, problem) : renderProblem(c, problem);
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
      { name: "Webhooks", description: "Apps: every event pushed, signed per Standard Webhooks." },
      { name: "Numbers", description: "Carriers and apps: a number's life." },
      CAMARA_TAG,
      { name: "Me", description: "People: the bindings on their own number." },
      { name: "Admin", description: "Operators." },
      { name: "Service" },
    ],
  });
}
