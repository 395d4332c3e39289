import type { WorkerEnv } from "./runtime/workers/env.js";
import { handleFetch, handleScheduled } from "./runtime/workers/handler.js";

// The Durable Object classes must be exported by the Worker's main module.
export { NumberShard } from "./runtime/workers/number-shard.js";
export { WebhookDispatcher } from "./runtime/workers/webhook-dispatcher.js";

export default {
  fetch: handleFetch,
  scheduled: (_controller, env, ctx) => handleScheduled(env, ctx),
} satisfies ExportedHandler<WorkerEnv>;
