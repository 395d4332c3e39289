import { defineConfig } from "drizzle-kit";

// The control plane: D1 on Workers (wrangler applies this folder), the one SQLite file on Node.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/control-schema.ts",
  out: "./migrations/control",
});
