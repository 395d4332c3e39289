import { parentPort, Worker, workerData } from "node:worker_threads";
import { purgeUsedAssertions } from "../../auth/assertion.js";
import { sweep } from "../../bindings/sweep.js";
import { systemClock } from "../../clock.js";
import { openSqlite } from "../../db/better-sqlite3.js";
import { localShards } from "./shards.js";

export interface SweeperThreadOptions {
  dbPath: string;
  inactivityMs: number;
  sweepIntervalMs: number;
  /** Whether the thread says what it swept (the server's log); tests keep it quiet. */
  log: boolean;
}

const CHECKPOINT_INTERVAL_MS = 1_000;
const STOP_GRACE_MS = 5_000;

/**
 * Runs the sweeper, and the WAL checkpoints, on a worker thread with its own connection.
 * better-sqlite3 is synchronous: on the server's thread a sweep batch held every request for its
 * whole length, and an automatic checkpoint for its fsync (bench/README.md has the figures).
 * The server's own connection leaves checkpoints to this thread. A thread that dies is started
 * again after one interval.
 */
export function startSweeperThread(options: SweeperThreadOptions): { stop(): Promise<void> } {
  let stopping = false;
  let running: Worker | undefined;
  const start = (): void => {
    const worker = new Worker(new URL("./sweeper-thread.mjs", import.meta.url), { workerData: options });
    // The HTTP server is what keeps the process alive; the sweeper follows it.
    worker.unref();
    worker.on("error", (error) => console.error("sweeper thread failed", error));
    worker.on("exit", () => {
      running = undefined;
      if (!stopping) setTimeout(() => stopping || start(), options.sweepIntervalMs).unref();
    });
    running = worker;
  };
  start();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        const worker = running;
        if (!worker) return resolve();
        const forced = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
        worker.once("exit", () => {
          clearTimeout(forced);
          resolve();
        });
        worker.postMessage("stop");
      }),
  };
}

/** The thread's side: sweep every interval and checkpoint every second until told to stop. */
export async function runSweeperThread(): Promise<void> {
  const { dbPath, inactivityMs, sweepIntervalMs, log } = workerData as SweeperThreadOptions;
  const db = openSqlite(dbPath);
  let stopping = false;
  let wake: () => void = () => {};
  parentPort!.on("message", (message) => {
    if (message !== "stop") return;
    stopping = true;
    wake();
  });
  const checkpoints = setInterval(() => db.client.pragma("wal_checkpoint(PASSIVE)"), CHECKPOINT_INTERVAL_MS);
  const shards = localShards(db);
  while (!stopping) {
    const started = performance.now();
    let announced = false;
    const swept = await sweep(
      { shards, clock: systemClock, inactivityMs },
      {
        stopped: () => stopping,
        onBatch: (count) => {
          if (count > 0 && !announced && log) console.log("sweeping bindings past the inactivity window ...");
          announced ||= count > 0;
        },
      },
    );
    if (swept > 0 && log) console.log(`expired ${swept} bindings in ${(performance.now() - started).toFixed(0)} ms`);
    await purgeUsedAssertions({ db, clock: systemClock });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, sweepIntervalMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
  clearInterval(checkpoints);
  db.close();
  parentPort!.close();
}
