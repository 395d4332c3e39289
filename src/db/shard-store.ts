import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type { shardSchema } from "./shard-schema.js";

/** A shard's drizzle database: synchronous on both drivers (better-sqlite3, Durable Object SQLite). */
export type ShardOrm = BaseSQLiteDatabase<"sync", unknown, typeof shardSchema>;

/**
 * One shard's SQLite, as its rules see it: every per-number rule runs inside `transaction`, which
 * is a better-sqlite3 IMMEDIATE transaction on Node and `transactionSync` in a Durable Object.
 * The callback is synchronous: nothing else runs on this shard until it returns.
 */
export interface ShardStore {
  readonly orm: ShardOrm;
  transaction<T>(run: () => T): T;
}
