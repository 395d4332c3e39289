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

export interface NodeServer {
  server: ServerType;
  port: number;
  close(): Promise<void>;
}

export async function startNodeServer(config: Config, options: { hostname?: string } = {}): Promise<NodeServer> {
  const clock = systemClock;
  const db = await openNodeDatabase(config, clock);
  const app = createApp({ db, config, clock, signer: nodeJwtSigner });
  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sweepUntilDone({ db, clock, inactivityMs: config.inactivityMs })
      .catch((error: unknown) => console.error("sweep failed", error))
      .finally(() => (sweeping = false));
  }, config.sweepIntervalMs);
  timer.unref();
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
        clearInterval(timer);
        server.close(() => {
          db.close();
          resolve();
        });
      }),
  };
}
