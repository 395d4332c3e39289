// `npm run dev:worker` as a child the bench can start on a free port, wait for, and stop with
// everything it started (wrangler, and workerd twice: wrangler's proxy and the Worker itself).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import type { JWK } from "jose";
import { CLIENT_ASSERTION_TYPE, signClientAssertion } from "../src/client/assertion.js";

const STARTUP_MS = 180_000;

export interface Worker {
  base: string;
  /** The issuer the Worker was started with: every assertion's audience. */
  issuer: string;
  /** CPU seconds used so far by the processes it started, by role; empty where there is no /proc. */
  cpuSeconds(): Partial<Record<ProcessRole, number>>;
  /**
   * How many Worker runtimes have been seen so far. wrangler rebuilds when a source file changes
   * and miniflare then starts a new workerd: figures across a restart measure the restart.
   */
  runtimesSeen(): number;
  stop(): Promise<void>;
}

/**
 * What each process of a wrangler dev spends CPU on: `worker` is the workerd running numbind and
 * its Durable Objects; `proxy` is the workerd in front of it that owns the port (wrangler's
 * ProxyWorker, which a deployment does not have); `wrangler` is Node, npx and esbuild.
 */
export type ProcessRole = "worker" | "proxy" | "wrangler";

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" })) || 100;
  } catch {
    return 100;
  }
})();

interface ProcessCpu {
  pid: number;
  role: ProcessRole;
  seconds: number;
}

/** utime + stime of every live process in the group, from /proc (Linux; none elsewhere). */
function groupProcesses(group: number, port: number): ProcessCpu[] {
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const found: ProcessCpu[] = [];
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // Fields after the command name, which is in parentheses and may hold spaces.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) !== group) continue;
      const command = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const role: ProcessRole = !command.includes("workerd")
        ? "wrangler"
        : command.includes(`entry=127.0.0.1:${port}`)
          ? "proxy"
          : "worker";
      found.push({ pid: Number(pid), role, seconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS });
    } catch {
      // The process ended while being read.
    }
  }
  return found;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once("error", reject);
  });
}

/** `npm run dev:worker` in its own process group, so that stopping it stops wrangler and workerd too. */
export async function startWorker(shards: number, persistTo: string, adminJwks: string): Promise<Worker> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "scripts/dev-worker.ts",
      "--port",
      String(port),
      "--shards",
      String(shards),
      "--persist-to",
      persistTo,
    ],
    {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      // WRANGLER_LOG=warn: no log line per request, which would cost the machine as much as the request.
      env: { ...process.env, NUMBIND_BOOTSTRAP_ADMIN_JWKS: adminJwks, WRANGLER_LOG: "warn" },
    },
  );
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const groupAlive = () => {
    try {
      process.kill(-child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // The group is gone already.
    }
  };
  const stop = async () => {
    signalGroup("SIGTERM");
    const deadline = Date.now() + 10_000;
    while (groupAlive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    signalGroup("SIGKILL");
    await exited;
  };
  const runtimes = new Set<number>();
  const stopNow = () => signalGroup("SIGKILL");
  process.prependOnceListener("exit", stopNow);
  const worker: Worker = {
    base: `http://127.0.0.1:${port}`,
    issuer: `http://localhost:${port}`,
    cpuSeconds: () => {
      const totals: Partial<Record<ProcessRole, number>> = {};
      for (const { pid, role, seconds } of groupProcesses(child.pid!, port)) {
        totals[role] = (totals[role] ?? 0) + seconds;
        if (role === "worker") runtimes.add(pid);
      }
      return totals;
    },
    runtimesSeen: () => {
      for (const { pid, role } of groupProcesses(child.pid!, port)) if (role === "worker") runtimes.add(pid);
      return runtimes.size;
    },
    stop: () => stop().finally(() => process.off("exit", stopNow)),
  };
  const deadline = Date.now() + STARTUP_MS;
  while (Date.now() < deadline && child.exitCode === null) {
    const status = await fetch(`${worker.base}/healthz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return worker;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await worker.stop();
  throw new Error(`wrangler dev did not answer /healthz within ${STARTUP_MS / 1000} s:\n${output.slice(-3000)}`);
}

export async function machineToken(worker: Worker, clientId: string, key: JWK): Promise<string> {
  const assertion = await signClientAssertion({ clientId, privateJwk: key, audience: worker.issuer });
  const response = await fetch(`${worker.base}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token refused for ${clientId}: ${JSON.stringify(body)}`);
  return body.access_token;
}
