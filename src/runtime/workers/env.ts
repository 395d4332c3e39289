import type { NumberShard } from "./number-shard.js";

/** What a Worker and its Durable Objects are given: the bindings of wrangler.toml, vars and secrets. */
export interface WorkerEnv {
  /** The control plane's D1 database. */
  DB: D1Database;
  /** The number shards. */
  SHARD: DurableObjectNamespace<NumberShard>;
  [variable: string]: unknown;
}
