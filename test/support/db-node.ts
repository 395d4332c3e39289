import { migrateSqlite, openSqlite } from "../../src/db/sqlite.js";
import type { Database } from "../../src/db/database.js";

export const runtimeName = "node";

/** A fresh, migrated in-memory SQLite database per test. */
export async function freshDatabase(): Promise<Database> {
  const db = openSqlite(":memory:");
  migrateSqlite(db, new URL("../../migrations", import.meta.url).pathname);
  return db;
}
