import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

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
        // The same contract suite, in workerd against a local D1 migrated from the same files.
        resolve: { alias: { "#test-db": here("./test/support/db-workers.ts") } },
        plugins: [
          cloudflareTest(async () => ({
            miniflare: {
              compatibilityDate: "2026-04-01",
              compatibilityFlags: ["nodejs_compat"],
              d1Databases: ["DB"],
              bindings: {
                // Until the shards move to Durable Objects, the workers suite keeps them in D1 too.
                TEST_MIGRATIONS: [
                  ...(await readD1Migrations(here("./migrations/control"))),
                  ...(await readD1Migrations(here("./migrations/shard"))).map((m) => ({
                    ...m,
                    name: `shard/${m.name}`,
                  })),
                ],
              },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["test/contract/**/*.test.ts", "test/workers/**/*.test.ts"],
        },
      },
    ],
  },
});
