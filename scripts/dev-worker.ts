// `npm run dev:worker`: the Workers runtime locally, as deployed: the API in wrangler dev over a
// local D1 (migrated first) and SQLite Durable Object shards. Development secrets are generated
// into .dev.vars on first use; the issuer is the URL it listens on, not the Node server's.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { generateSigningJwk } from "../src/auth/keys.js";

const USAGE = `npm run dev:worker -- [--port 8788] [--shards 64] [--persist-to DIR]

  Serves the Worker locally at http://localhost:PORT (default 8788, beside npm start's 8787),
  with NUMBIND_ISSUER set to that URL. Secrets come from .dev.vars (created on first use);
  NUMBIND_BOOTSTRAP_ADMIN_JWKS from the environment creates the admin client.`;

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8788" },
    shards: { type: "string" },
    "persist-to": { type: "string" },
    help: { type: "boolean" },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!/^\d{2,5}$/.test(values.port)) {
  console.error(`--port takes a port number, not "${values.port}"\n\n${USAGE}`);
  process.exit(2);
}

if (!existsSync(".dev.vars")) {
  const keys = { keys: [await generateSigningJwk()] };
  const lines = [
    `NUMBIND_PEPPER=${randomBytes(32).toString("base64url")}`,
    `NUMBIND_SIGNING_KEYS=${JSON.stringify(keys)}`,
  ];
  writeFileSync(".dev.vars", `${lines.join("\n")}\n`, { mode: 0o600 });
  console.log("wrote development secrets to .dev.vars");
}

const persist = values["persist-to"] ? ["--persist-to", values["persist-to"]] : [];
const run = (args: string[]) =>
  new Promise<number>((resolve) => {
    const child = spawn("npx", ["wrangler", ...args], {
      stdio: "inherit",
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.once("SIGINT", forward);
    process.once("SIGTERM", forward);
    child.once("exit", (code) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? 1);
    });
  });

const migrated = await run(["d1", "migrations", "apply", "DB", "--local", ...persist]);
if (migrated !== 0) process.exit(migrated);
const issuer = `http://localhost:${values.port}`;
process.exit(
  await run([
    "dev",
    "--port",
    values.port,
    "--ip",
    "127.0.0.1",
    "--var",
    `NUMBIND_ISSUER:${issuer}`,
    "--var",
    "NODE_ENV:development",
    ...(values.shards ? ["--var", `NUMBIND_SHARDS:${values.shards}`] : []),
    // An admin to start with, as on a deployment: the public JWKS from the environment, if set.
    ...(process.env.NUMBIND_BOOTSTRAP_ADMIN_JWKS
      ? ["--var", `NUMBIND_BOOTSTRAP_ADMIN_JWKS:${process.env.NUMBIND_BOOTSTRAP_ADMIN_JWKS}`]
      : []),
    ...persist,
  ]),
);
