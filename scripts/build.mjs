// npm run build: the server compiled to JavaScript in dist/, for `node` without a TypeScript loader.
// tsc emits the .ts files; what it does not emit is copied beside them: the sweeper thread's .mjs
// entry and hand-written or generated declarations (.d.ts).
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";

rmSync("dist", { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { stdio: "inherit" });
cpSync("src", "dist", {
  recursive: true,
  filter: (source) => !/\.[cm]?ts$/.test(source) || source.endsWith(".d.ts") || source.endsWith(".mjs"),
});
