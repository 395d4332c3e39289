import { runCli } from "./cli/main.js";

// The numbind command (bin/numbind.mjs). Each command lives in src/cli/.
process.exitCode = await runCli(process.argv.slice(2));
