// `npm run openapi` writes openapi.yaml from the zod route definitions;
// `npm run openapi:check` fails when the committed file differs from them.
import { readFileSync, writeFileSync } from "node:fs";
import { stringify } from "yaml";
import { createApp, openApiDocument } from "../src/app.js";
import type { Database } from "../src/db/database.js";
import type { Shards } from "../src/db/shards.js";

// The document is built from the route definitions alone: no store is opened.
const app = createApp({
  db: {} as Database,
  shards: {} as Shards,
  clock: () => 0,
  config: {
    issuer: "http://localhost:8787",
    pepper: "",
    signingKeys: { keys: [] },
    inactivityMs: 1,
    defaultRegion: "CN",
  },
});
const generated = stringify(openApiDocument(app), { lineWidth: 0, aliasDuplicateObjects: false });
const path = new URL("../openapi.yaml", import.meta.url);

if (process.argv[2] === "write") {
  writeFileSync(path, generated);
  console.log("openapi.yaml written");
} else {
  let committed = "";
  try {
    committed = readFileSync(path, "utf8");
  } catch {
    // missing counts as drift
  }
  if (committed !== generated) {
    console.error("openapi.yaml differs from the routes: run `npm run openapi` and commit it.");
    process.exit(1);
  }
  console.log("openapi.yaml matches the routes");
}
