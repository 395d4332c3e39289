import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** workerd running the Worker's main module (it exports the Durable Object classes) with these objects bound. */
const workerd = (durableObjects: Record<string, { className: string; useSQLite: boolean }>) =>
  cloudflareTest(async () => ({
    main: "./src/worker.ts",
    miniflare: {
      compatibilityDate: "2026-04-01",
      compatibilityFlags: ["nodejs_compat"],
      d1Databases: ["DB"],
      durableObjects,
      // What wrangler.toml's Text rule does for the shard migrations drizzle-kit writes.
      modulesRules: [{ type: "Text", include: ["**/*.sql"], fallthrough: true }],
      bindings: { TEST_MIGRATIONS: await readD1Migrations(here("./migrations/control")) },
    },
  }));

export default defineConfig({
  test: {
    projects: [
      {
        resolve: { alias: { "#test-db": here("./test/support/db-node.ts") } },
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          exclude: ["test/workers/**"],
          environment: "node",
        },
      },
      {
        // The same contract suite, in workerd: a local D1 migrated from the same files, four shard Durable Objects.
        resolve: { alias: { "#test-db": here("./test/support/db-workers.ts") } },
        plugins: [workerd({ SHARD: { className: "NumberShard", useSQLite: true } })],
        test: {
          name: "workers",
          include: ["test/contract/**/*.test.ts", "test/workers/**/*.test.ts"],
          exclude: ["test/workers/webhooks.test.ts"],
        },
      },
      {
        // The webhook dispatcher objects, bound only here: elsewhere the contract tests drive deliveries themselves.
        resolve: { alias: { "#test-db": here("./test/support/db-workers.ts") } },
        plugins: [
          workerd({
            SHARD: { className: "NumberShard", useSQLite: true },
            WEBHOOKS: { className: "WebhookDispatcher", useSQLite: true },
          }),
        ],
        test: {
          name: "workers-webhooks",
          include: ["test/workers/webhooks.test.ts"],
          // A real HTTP receiver, in Node: workerd's outbound fetch reaches it.
          globalSetup: ["./test/workers/webhook-receiver.ts"],
        },
      },
    ],
  },
});
