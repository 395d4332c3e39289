import { type SqliteDatabase, shardStoreOf } from "../../db/better-sqlite3.js";
import { LocalShard } from "../../db/shard-host.js";
import { Shards } from "../../db/shards.js";

/** Node is one shard: the shard tables of its one SQLite file, run in this process. */
export function localShards(db: SqliteDatabase): Shards {
  const shard = new LocalShard(shardStoreOf(db), db);
  return new Shards(1, () => shard);
}
