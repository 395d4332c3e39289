import { type App, createApp } from "../../app.js";
import { purgeUsedAssertions } from "../../auth/assertion.js";
import { bootstrapAdmin } from "../../auth/clients.js";
import { systemClock } from "../../clock.js";
import { type Config, ConfigError, parseEnvironment, resolveConfig } from "../../config.js";
import { openD1 } from "../../db/d1.js";
import type { Database } from "../../db/database.js";
import { isShardCount } from "../../db/shards.js";
import { Problem, problemBody } from "../../http/problems.js";
import { purgeAttempts } from "../../webhooks/lanes.js";
import type { WorkerEnv } from "./env.js";
import { durableShards } from "./number-shard.js";
import { wakeAllDispatchers, wakeDispatchersOnQueue } from "./webhook-dispatcher.js";

const DEFAULT_SHARDS = 64;
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

interface Isolate {
  env: WorkerEnv;
  config: Config;
  db: Database;
  app: App;
  /** Settles once the bootstrap admin is in place; forgotten when it fails, so the next request retries. */
  ready: Promise<void> | undefined;
}

let isolate: Isolate | undefined;

/** Config from vars and secrets, parsed once per isolate; never a default secret on Workers. */
function isolateFor(env: WorkerEnv): Isolate {
  if (isolate?.env === env) return isolate;
  const config = resolveConfig(parseEnvironment(env));
  const db = openD1(env.DB);
  wakeDispatchersOnQueue(db, env);
  const shards = durableShards(env.SHARD, shardCount(env));
  const app = createApp({
    db,
    shards,
    config,
    clock: systemClock,
    // Cloudflare sets it to the client's address; a client cannot forge it through the edge.
    remoteAddress: (c) => c.req.header("cf-connecting-ip"),
  });
  isolate = { env, config, db, app, ready: undefined };
  return isolate;
}

function bootstrapped(current: Isolate): Promise<void> {
  const jwks = current.config.bootstrapAdminJwks;
  if (jwks === undefined) return Promise.resolve();
  current.ready ??= bootstrapAdmin(current.db, systemClock, jwks).then(
    () => undefined,
    (error: unknown) => {
      current.ready = undefined;
      throw error;
    },
  );
  return current.ready;
}

/** A failure before the app is built, rendered like every other problem, X-Request-Id included. */
function problemResponse(request: Request, problem: Problem): Response {
  const sent = request.headers.get("x-request-id");
  const requestId = sent && SANE_REQUEST_ID.test(sent) ? sent : crypto.randomUUID();
  return new Response(JSON.stringify(problemBody(problem, requestId)), {
    status: problem.status,
    headers: { "Content-Type": "application/problem+json", "X-Request-Id": requestId },
  });
}

export async function handleFetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
  let current: Isolate;
  try {
    current = isolateFor(env);
    await bootstrapped(current);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof Problem) {
      return problemResponse(request, new Problem("INTERNAL", `the deployment is misconfigured: ${error.message}`));
    }
    console.error("worker start-up failed", error);
    return problemResponse(
      request,
      new Problem("INTERNAL", "the service could not start; it retries on the next request"),
    );
  }
  return current.app.fetch(request, env, ctx);
}

/** NUMBIND_SHARDS: fixed for the life of a deployment (changing it moves every number; see docs/scale-out.md). */
function shardCount(env: WorkerEnv): number {
  const text = env.NUMBIND_SHARDS;
  const count = text === undefined || text === "" ? DEFAULT_SHARDS : Number(text);
  if (!isShardCount(count))
    throw new ConfigError(`NUMBIND_SHARDS: must be a power of two such as 64 or 1024, not "${String(text)}"`);
  return count;
}

/**
 * The cron trigger's housekeeping: the shards sweep themselves with their alarms; the webhook
 * dispatchers are woken in case a wake was lost, and old attempt logs go.
 */
export function handleScheduled(env: WorkerEnv, ctx: ExecutionContext): void {
  const { db } = isolateFor(env);
  ctx.waitUntil(purgeUsedAssertions({ db, clock: systemClock }));
  ctx.waitUntil(purgeAttempts(db, systemClock()));
  if (env.WEBHOOKS) ctx.waitUntil(wakeAllDispatchers(env.WEBHOOKS));
}
