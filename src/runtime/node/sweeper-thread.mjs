// The sweeper thread's entry (see sweeper-thread.ts). Beside the compiled sweeper-thread.js (in
// dist/) it loads that with plain node; beside the TypeScript it registers tsx first, however the
// server was started.
import { existsSync } from "node:fs";

const compiled = new URL("./sweeper-thread.js", import.meta.url);
let thread;
if (existsSync(compiled)) {
  thread = await import(compiled.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  thread = await import("./sweeper-thread.ts");
}
await thread.runSweeperThread();
