import { createApp, type App } from "./app.js";
import { bootstrapAdmin } from "./admin/clients.js";
import { sweepUntilDone } from "./bindings/sweeper.js";
import { systemClock } from "./clock.js";
import { ConfigError, parseEnvironment, resolveConfig, type Config } from "./config.js";
import { openD1 } from "./db/d1.js";
import type { Database } from "./db/database.js";
import { Problem, problemBody } from "./problems.js";

export interface WorkerEnv {
  DB: D1Database;
  [variable: string]: unknown;
}

/** A cron run stays bounded: at most this many rows per trigger; the next trigger continues. */
const SWEEP_BATCH = 1_000;
const SWEEP_MAX_BATCHES = 25;

interface Isolate {
  env: WorkerEnv;
  config: Config;
  db: Database;
  app: App;
  ready: Promise<void>;
}

let isolate: Isolate | undefined;

/** Config from vars and secrets, parsed once per isolate; never a default secret on Workers. */
function isolateFor(env: WorkerEnv): Isolate {
  if (isolate?.env === env) return isolate;
  const config = resolveConfig(parseEnvironment(env));
  const db = openD1(env.DB);
  const app = createApp({ db, config, clock: systemClock });
  const ready = config.bootstrapAdminJwks === undefined ? Promise.resolve() : bootstrapAdmin(db, systemClock, config.bootstrapAdminJwks).then(() => undefined);
  isolate = { env, config, db, app, ready };
  return isolate;
}

function configProblem(error: ConfigError): Response {
  const problem = new Problem("INTERNAL", `the deployment is misconfigured: ${error.message}`);
  return new Response(JSON.stringify(problemBody(problem, crypto.randomUUID())), {
    status: 500,
    headers: { "Content-Type": "application/problem+json" },
  });
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    let current: Isolate;
    try {
      current = isolateFor(env);
    } catch (error) {
      if (error instanceof ConfigError) return configProblem(error);
      throw error;
    }
    await current.ready;
    return current.app.fetch(request, env, ctx);
  },

  async scheduled(_controller: ScheduledController, env: WorkerEnv, ctx: ExecutionContext): Promise<void> {
    const { db, config } = isolateFor(env);
    ctx.waitUntil(
      sweepUntilDone({ db, clock: systemClock, inactivityMs: config.inactivityMs }, { batchSize: SWEEP_BATCH, maxBatches: SWEEP_MAX_BATCHES }).then(
        () => undefined,
      ),
    );
  },
} satisfies ExportedHandler<WorkerEnv>;
