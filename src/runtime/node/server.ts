import { type ServerType, serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { createApp } from "../../app.js";
import { purgeUsedAssertions } from "../../auth/assertion.js";
import { sweep } from "../../bindings/sweep.js";
import { type Clock, systemClock } from "../../clock.js";
import type { Config } from "../../config.js";
import type { SqliteDatabase } from "../../db/better-sqlite3.js";
import type { Shards } from "../../db/shards.js";
import { openNodeDatabase } from "./setup.js";
import { localShards } from "./shards.js";
import { nodeJwtSigner } from "./signer.js";
import { startSweeperThread } from "./sweeper-thread.js";
import { nodeWebhookTransport } from "./webhook-transport.js";
import { startWebhookWorker } from "./webhook-worker.js";

/**
 * A database file is swept on its own thread (sweeper-thread.ts), which also takes over the WAL
 * checkpoints, so neither holds up requests. An in-memory database cannot be shared with a
 * thread: it is swept in place, with requests served between batches.
 */
function startSweeper(
  db: SqliteDatabase,
  shards: Shards,
  config: Config,
  clock: Clock,
  log: boolean,
): { stop(): Promise<void> } {
  if (config.dbPath !== ":memory:") {
    db.client.pragma("wal_autocheckpoint = 0");
    return startSweeperThread({
      dbPath: config.dbPath,
      inactivityMs: config.inactivityMs,
      sweepIntervalMs: config.sweepIntervalMs,
      log,
    });
  }
  let sweeping: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    sweeping = sweep({ shards, clock, inactivityMs: config.inactivityMs })
      .then(() => purgeUsedAssertions({ db, clock }))
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

export async function startNodeServer(
  config: Config,
  options: { hostname?: string /** Log what the sweeper does (default true). */; log?: boolean } = {},
): Promise<NodeServer> {
  const clock = systemClock;
  const db = await openNodeDatabase(config, clock);
  const shards = localShards(db);
  const webhooks = nodeWebhookTransport();
  const app = createApp({
    db,
    shards,
    config,
    clock,
    signer: nodeJwtSigner,
    webhooks,
    // The socket's peer: behind a reverse proxy that is the proxy (see docs/operating.md).
    remoteAddress: (c) => getConnInfo(c).remote.address,
  });
  const sweeper = startSweeper(db, shards, config, clock, options.log ?? true);
  const deliveries = await startWebhookWorker({ db, clock, transport: webhooks, guarded: config.production });
  const hostname = options.hostname ?? "127.0.0.1";
  const server = await new Promise<ServerType>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: config.port, hostname }, () => resolve(started));
    // A port taken between the entry's check and now: an error to report, not an unhandled event.
    started.once("error", reject);
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  return {
    server,
    port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          void Promise.all([sweeper.stop(), deliveries.stop()]).then(() => {
            db.close();
            resolve();
          });
        });
      }),
  };
}
