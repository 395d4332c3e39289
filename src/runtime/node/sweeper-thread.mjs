// The sweeper thread's entry (see sweeper-thread.ts): like bin/numbind.mjs, it registers tsx so
// the TypeScript loads however the server was started.
import { register } from "tsx/esm/api";

register();
const { runSweeperThread } = await import("./sweeper-thread.ts");
await runSweeperThread();
