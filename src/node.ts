import { createServer } from "node:net";
import type { Config } from "./config.js";
import { type NodeServer, startNodeServer } from "./runtime/node/server.js";
import { loadNodeConfig, nodeConfigNotes } from "./runtime/node/setup.js";

/** How long requests in flight may take to finish once the server is told to stop. */
const DRAIN_MS = 10_000;

/** A start that cannot go on, said in one line: the CLI prints the message, not a stack. */
export class StartError extends Error {
  override name = "StartError";
}

/** Why a port cannot be listened on, and what to do about it. */
function listenProblem(error: NodeJS.ErrnoException, hostname: string, port: number): string {
  switch (error.code) {
    case "EADDRINUSE":
      return `port ${port} is in use; set PORT=… or stop the other server`;
    case "EACCES":
      return `port ${port} needs privileges; use a port above 1023 (PORT=8787) behind a reverse proxy`;
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return `--host ${hostname} is not an address of this machine; use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)`;
    default:
      return `cannot listen on ${hostname}:${port}: ${error.message}`;
  }
}

/** Tries the address before anything is opened, so a busy port is one line, not a half-started server. */
function assertCanListen(hostname: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error) => reject(new StartError(listenProblem(error, hostname, port))));
    probe.listen({ host: hostname, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/**
 * SIGTERM or SIGINT: stop accepting, let requests in flight finish (for at most DRAIN_MS), stop the
 * sweeper, close the database, exit 0. A second signal exits at once.
 */
function stopOnSignals(server: NodeServer, log: (line: string) => void): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    log(`${signal}: finishing requests in flight, then stopping`);
    const deadline = setTimeout(() => {
      log(`requests still open after ${DRAIN_MS / 1000} s: closing them`);
      if ("closeAllConnections" in server.server) server.server.closeAllConnections();
    }, DRAIN_MS);
    deadline.unref();
    server.close().then(
      () => {
        clearTimeout(deadline);
        log("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        console.error("stopping failed", error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

/** The Node server: config from the environment, the SQLite file, the API and its sweeper. */
export async function serveNode(hostname = "127.0.0.1", log: (line: string) => void = console.log): Promise<void> {
  const config: Config = await loadNodeConfig();
  for (const note of nodeConfigNotes(config)) log(`note: ${note}`);
  await assertCanListen(hostname, config.port);
  const server = await startNodeServer(config, { hostname });
  log(`numbind listening on http://${hostname}:${server.port} (issuer ${config.issuer}, database ${config.dbPath})`);
  stopOnSignals(server, log);
}
