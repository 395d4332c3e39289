import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { purgeUsedAssertions } from "../auth/assertion.js";
import { sweep } from "../bindings/sweep.js";
import { systemClock } from "../clock.js";
import { parseEnvironment } from "../config.js";
import { openSqlite } from "../db/better-sqlite3.js";
import { serveNode } from "../node.js";
import { loadNodeConfig, openNodeDatabase } from "../runtime/node/setup.js";
import { localShards } from "../runtime/node/shards.js";
import { CliError, parseCommand, required } from "./args.js";

export const SERVE_USAGE = `numbind serve [--host 127.0.0.1]   serve the API, and sweep every NUMBIND_SWEEP_INTERVAL

  --host ADDRESS   the address to listen on: 127.0.0.1 (default, this machine only), 0.0.0.0
                   (every interface: behind a reverse proxy, in a container)

PORT (default 8787) and the NUMBIND_* variables come from the environment (README, Configuration).
SIGTERM or SIGINT stops it: requests in flight finish, the sweeper stops, the database closes.`;

export const MIGRATE_USAGE = `numbind migrate   create the SQLite file (NUMBIND_DB_PATH) or bring it up to date

The server does this at every start too; run it alone to migrate before a deployment.`;

export const SWEEP_USAGE = `numbind sweep   record, now, the expiry of every binding past the inactivity window

The server does this every NUMBIND_SWEEP_INTERVAL; reads never show an expired binding as active.`;

export const BACKUP_USAGE = `numbind backup FILE   copy the database to FILE while the server runs

SQLite's online backup: a consistent copy, WAL included, taken without stopping the server.
FILE is created 0600 and never overwritten. The pepper is NOT in it: keep NUMBIND_PEPPER (or
data/pepper in development) with your backups; without it no number in the copy can be matched.`;

export async function serveCommand(args: string[]): Promise<void> {
  const { values } = parseCommand(args, SERVE_USAGE, { host: { type: "string" } });
  await serveNode(values.host);
}

export async function migrateCommand(args: string[]): Promise<void> {
  parseCommand(args, MIGRATE_USAGE, {});
  const config = await loadNodeConfig();
  (await openNodeDatabase(config)).close();
  console.log(`migrated ${config.dbPath}`);
}

export async function sweepCommand(args: string[]): Promise<void> {
  parseCommand(args, SWEEP_USAGE, {});
  const config = await loadNodeConfig();
  const db = await openNodeDatabase(config);
  try {
    console.log(`sweeping bindings unseen for ${config.inactivityMs / 86_400_000} days ...`);
    const started = performance.now();
    const swept = await sweep({ shards: localShards(db), clock: systemClock, inactivityMs: config.inactivityMs });
    await purgeUsedAssertions({ db, clock: systemClock });
    console.log(`expired ${swept} bindings in ${(performance.now() - started).toFixed(0)} ms`);
  } finally {
    db.close();
  }
}

export async function backupCommand(args: string[]): Promise<void> {
  const { positionals } = parseCommand(args, BACKUP_USAGE, {}, 1);
  const target = required(positionals[0], "FILE", BACKUP_USAGE);
  // Only the file's path is needed: a backup runs without the server's secrets.
  const dbPath = parseEnvironment(process.env, { readFile: (path) => readFileSync(path, "utf8") }).NUMBIND_DB_PATH;
  if (dbPath === ":memory:" || !existsSync(dbPath)) {
    throw new CliError(`no database at ${dbPath}; set NUMBIND_DB_PATH to the file the server uses`);
  }
  try {
    closeSync(openSync(target, "wx", 0o600));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(
      code === "EEXIST"
        ? `${target} exists; a backup never overwrites a file`
        : `${target}: ${(error as Error).message}`,
    );
  }
  const db = openSqlite(dbPath);
  try {
    const { totalPages } = await db.client.backup(target);
    console.log(
      `backed up ${dbPath} to ${target} (${totalPages} pages). Keep the pepper with it: the copy is useless without it.`,
    );
  } finally {
    db.close();
  }
}
