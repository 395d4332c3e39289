import { defineConfig } from "drizzle-kit";

// The number shards: each Durable Object applies this folder on first use (migrations.js, written
// for the durable-sqlite driver); Node applies the same SQL files to its one file.
export default defineConfig({
  dialect: "sqlite",
  driver: "durable-sqlite",
  schema: "./src/db/shard-schema.ts",
  out: "./migrations/shard",
});
