import type { NumberShard } from "./number-shard.js";
import type { WebhookDispatcher } from "./webhook-dispatcher.js";

/** What a Worker and its Durable Objects are given: the bindings of wrangler.toml, vars and secrets. */
export interface WorkerEnv {
  /** The control plane's D1 database. */
  DB: D1Database;
  /** The number shards. */
  SHARD: DurableObjectNamespace<NumberShard>;
  /** The webhook dispatchers; without the binding, webhooks are registered but not sent. */
  WEBHOOKS?: DurableObjectNamespace<WebhookDispatcher>;
  [variable: string]: unknown;
}
