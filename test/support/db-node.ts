import { migrateSqlite, openSqlite } from "../../src/db/better-sqlite3.js";
import type { Database } from "../../src/db/database.js";
import { nodeJwtSigner } from "../../src/runtime/node/signer.js";

/** The signer src/node.ts gives the app. */
export const runtimeSigner = nodeJwtSigner;

/** A fresh, migrated in-memory SQLite database per test. */
export async function freshDatabase(): Promise<Database> {
  const db = openSqlite(":memory:");
  migrateSqlite(db, new URL("../../migrations", import.meta.url).pathname);
  return db;
}
