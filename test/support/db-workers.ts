/// <reference types="@cloudflare/vitest-pool-workers/types" />
import { applyD1Migrations, env, reset, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { joseJwtSigner } from "../../src/auth/jwt-signer.js";
import { openD1 } from "../../src/db/d1.js";
import type { Database } from "../../src/db/database.js";
import { shardSchema } from "../../src/db/shard-schema.js";
import type { ShardOrm } from "../../src/db/shard-store.js";
import type { WorkerEnv } from "../../src/runtime/workers/env.js";
import { durableShards } from "../../src/runtime/workers/number-shard.js";
import type { TestStores } from "./db-node.js";

/** The signer src/worker.ts gives the app (its default). */
export const runtimeSigner = joseJwtSigner;

/** Four shards: enough that every cross-shard path (fan-out, merge, cursors) runs in the suite. */
export const TEST_SHARDS = 4;

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: { name: string; queries: string[] }[];
    }
  }
}

/**
 * The local D1 of this test file, emptied and migrated with the same files wrangler applies, and
 * four Durable Object shards of its own (a fresh name per call: no test sees another's bindings).
 */
export async function freshStores(): Promise<TestStores> {
  await reset();
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  const prefix = `${crypto.randomUUID()}/`;
  const stub = (index: number) => env.SHARD.get(env.SHARD.idFromName(`${prefix}${TEST_SHARDS}:${index}`));
  return {
    db: openD1(env.DB) as Database,
    shards: durableShards(env.SHARD, TEST_SHARDS, prefix),
    runAlarm: (index) => runDurableObjectAlarm(stub(index)),
    inShard: async (index, run) => {
      // A first call migrates the object; then the test reads or writes its tables in place.
      await stub(index).invoke("lastReassignedAt", { phoneHash: "" });
      return runInDurableObject(stub(index), (_instance, state) =>
        run(drizzle(state.storage, { schema: shardSchema }) as unknown as ShardOrm),
      );
    },
  };
}
