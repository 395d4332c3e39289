import { handleFetch, handleScheduled, type WorkerEnv } from "./runtime/workers/handler.js";

export default {
  fetch: handleFetch,
  scheduled: (_controller, env, ctx) => handleScheduled(env, ctx),
} satisfies ExportedHandler<WorkerEnv>;
