import { migrateSqlite, openSqlite, shardStoreOf } from "../../src/db/better-sqlite3.js";
import type { Database } from "../../src/db/database.js";
import type { ShardOrm } from "../../src/db/shard-store.js";
import type { Shards } from "../../src/db/shards.js";
import { localShards } from "../../src/runtime/node/shards.js";
import { nodeJwtSigner } from "../../src/runtime/node/signer.js";

/** The signer src/node.ts gives the app. */
export const runtimeSigner = nodeJwtSigner;

/** A fresh, migrated in-memory SQLite file per test: the control plane and its one shard, as Node runs them. */
export async function freshStores(): Promise<TestStores> {
  const db = openSqlite(":memory:");
  migrateSqlite(db, new URL("../../migrations", import.meta.url).pathname);
  const { orm } = shardStoreOf(db);
  return { db, shards: localShards(db), inShard: async (_index, run) => run(orm) };
}

export interface TestStores {
  db: Database;
  shards: Shards;
  /** Runs `run` against one shard's tables, where they live: for tests that arrange or inspect rows. */
  inShard<T>(index: number, run: (orm: ShardOrm) => T): Promise<T>;
  /** Workers only: runs the shard's alarm now, as the runtime would when it is due. */
  runAlarm?(index: number): Promise<boolean>;
}
