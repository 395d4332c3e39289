import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { serve, type ServerType } from "@hono/node-server";
import { createApp } from "./app.js";
import { bootstrapAdmin } from "./admin/clients.js";
import { systemClock, type Clock } from "./clock.js";
import { parseEnvironment, resolveConfig, type Config } from "./config.js";
import { migrateSqlite, openSqlite, type SqliteDatabase } from "./db/sqlite.js";
import { nodeJwtSigner } from "./node-jwt-signer.js";
import { developmentSecrets } from "./node-secrets.js";
import { sweepUntilDone } from "./bindings/sweeper.js";
import { SERVER_SWEEP_BATCH, startSweeperThread } from "./node-sweeper.js";

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("../migrations", import.meta.url));

/** Reads the environment once: development secrets come from the data folder outside production. */
export async function loadNodeConfig(env: Record<string, string | undefined> = process.env): Promise<Config> {
  const raw = parseEnvironment(env);
  const dataDir = raw.NUMBIND_DB_PATH === ":memory:" ? "./data" : dirname(raw.NUMBIND_DB_PATH);
  const production = raw.NODE_ENV === "production";
  return resolveConfig(raw, production ? undefined : await developmentSecrets(dataDir));
}

/** Opens the SQLite file (creating its folder), migrates it, and applies the bootstrap admin. */
export async function openNodeDatabase(config: Config, clock: Clock = systemClock): Promise<SqliteDatabase> {
  if (config.dbPath !== ":memory:") {
    const { mkdirSync } = await import("node:fs");
    mkdirSync(dirname(config.dbPath), { recursive: true });
  }
  const db = openSqlite(config.dbPath);
  migrateSqlite(db, MIGRATIONS_FOLDER);
  if (config.bootstrapAdminJwks !== undefined) await bootstrapAdmin(db, clock, config.bootstrapAdminJwks);
  return db;
}

/**
 * A database file is swept on its own thread (node-sweeper.ts), which also takes over the WAL
 * checkpoints, so neither holds up requests. An in-memory database cannot be shared with a
 * thread: it is swept in place, in small batches with requests served in between.
 */
function startSweeper(db: SqliteDatabase, config: Config, clock: Clock): { stop(): Promise<void> } {
  if (config.dbPath !== ":memory:") {
    db.client.pragma("wal_autocheckpoint = 0");
    return startSweeperThread({ dbPath: config.dbPath, inactivityMs: config.inactivityMs, sweepIntervalMs: config.sweepIntervalMs });
  }
  let sweeping: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    sweeping = sweepUntilDone({ db, clock, inactivityMs: config.inactivityMs }, { batchSize: SERVER_SWEEP_BATCH })
      .catch((error: unknown) => console.error("sweep failed", error))
      .finally(() => (busy = false));
  }, config.sweepIntervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await sweeping;
    },
  };
}

export interface NodeServer {
  server: ServerType;
  port: number;
  close(): Promise<void>;
}

export async function startNodeServer(config: Config, options: { hostname?: string } = {}): Promise<NodeServer> {
  const clock = systemClock;
  const db = await openNodeDatabase(config, clock);
  const app = createApp({ db, config, clock, signer: nodeJwtSigner });
  const sweeper = startSweeper(db, config, clock);
  const hostname = options.hostname ?? "127.0.0.1";
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: app.fetch, port: config.port, hostname }, () => resolve(started));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  return {
    server,
    port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          void sweeper.stop().then(() => {
            db.close();
            resolve();
          });
        });
      }),
  };
}
