/// <reference types="@cloudflare/vitest-pool-workers/types" />
import { applyD1Migrations, env, reset } from "cloudflare:test";
import { joseJwtSigner } from "../../src/auth/jwt-signer.js";
import { openD1 } from "../../src/db/d1.js";
import type { Database } from "../../src/db/database.js";

/** The signer src/worker.ts gives the app (its default). */
export const runtimeSigner = joseJwtSigner;

declare global {
  namespace Cloudflare {
    interface Env {
      DB: D1Database;
      TEST_MIGRATIONS: { name: string; queries: string[] }[];
    }
  }
}

/** The local D1 of this test file, emptied and migrated with the same files wrangler applies. */
export async function freshDatabase(): Promise<Database> {
  await reset();
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  return openD1(env.DB);
}
