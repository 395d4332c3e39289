#!/usr/bin/env node
// The numbind command. In production, when `npm run build` has compiled it, it runs the JavaScript
// in dist/ with plain node; otherwise it loads the TypeScript through tsx, so `npx numbind ...`
// works from a clean checkout.
import { existsSync } from "node:fs";

const compiled = new URL("../dist/cli.js", import.meta.url);
if (process.env.NODE_ENV === "production" && existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli.ts");
}
