import { closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { bootstrapAdmin } from "../../auth/clients.js";
import { type Clock, systemClock } from "../../clock.js";
import { type Config, parseEnvironment, resolveConfig } from "../../config.js";
import { migrateSqlite, openSqlite, type SqliteDatabase } from "../../db/better-sqlite3.js";
import { developmentSecrets } from "./secrets.js";

const MIGRATIONS_FOLDER = fileURLToPath(new URL("../../../migrations", import.meta.url));

/** Reads the environment once: development secrets come from the data folder outside production. */
export async function loadNodeConfig(env: Record<string, string | undefined> = process.env): Promise<Config> {
  const raw = parseEnvironment(env, { readFile: (path) => readFileSync(path, "utf8") });
  const dataDir = raw.NUMBIND_DB_PATH === ":memory:" ? "./data" : dirname(raw.NUMBIND_DB_PATH);
  const production = raw.NODE_ENV === "production";
  return resolveConfig(raw, production ? undefined : await developmentSecrets(dataDir));
}

/** What the Node server does not use from a valid configuration, said once at start. */
export function nodeConfigNotes(config: Config): string[] {
  const notes: string[] = [];
  if (config.shards !== undefined && config.shards !== 1) {
    notes.push(
      `NUMBIND_SHARDS=${config.shards} is for Workers; the Node server keeps every number in one shard, its SQLite file`,
    );
  }
  return notes;
}

/**
 * Creates the database file 0600 before SQLite opens it: it holds hashes a pepper holder could
 * match and the clients' keys. SQLite gives the -wal and -shm files it creates the mode of the
 * database file, so they follow.
 */
function createPrivately(path: string): void {
  closeSync(openSync(path, "a", 0o600));
}

/** Opens the SQLite file (creating its folder), migrates it, and applies the bootstrap admin. */
export async function openNodeDatabase(config: Config, clock: Clock = systemClock): Promise<SqliteDatabase> {
  if (config.dbPath !== ":memory:") {
    mkdirSync(dirname(config.dbPath), { recursive: true, mode: 0o700 });
    createPrivately(config.dbPath);
  }
  const db = openSqlite(config.dbPath);
  migrateSqlite(db, MIGRATIONS_FOLDER);
  if (config.bootstrapAdminJwks !== undefined) await bootstrapAdmin(db, clock, config.bootstrapAdminJwks);
  return db;
}
