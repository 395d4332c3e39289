import { mkdirSync } from "node:fs";
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
  const raw = parseEnvironment(env);
  const dataDir = raw.NUMBIND_DB_PATH === ":memory:" ? "./data" : dirname(raw.NUMBIND_DB_PATH);
  const production = raw.NODE_ENV === "production";
  return resolveConfig(raw, production ? undefined : await developmentSecrets(dataDir));
}

/** Opens the SQLite file (creating its folder), migrates it, and applies the bootstrap admin. */
export async function openNodeDatabase(config: Config, clock: Clock = systemClock): Promise<SqliteDatabase> {
  if (config.dbPath !== ":memory:") mkdirSync(dirname(config.dbPath), { recursive: true });
  const db = openSqlite(config.dbPath);
  migrateSqlite(db, MIGRATIONS_FOLDER);
  if (config.bootstrapAdminJwks !== undefined) await bootstrapAdmin(db, clock, config.bootstrapAdminJwks);
  return db;
}
