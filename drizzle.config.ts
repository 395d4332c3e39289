import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
  // wrangler keeps its own record of applied migrations in d1_migrations; it is not ours to diff.
  tablesFilter: ["!d1_migrations", "!__drizzle_migrations"],
});
