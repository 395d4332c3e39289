// bench/worker.ts's report: the table, and the costs derived from it (what a shard call adds, what
// each further shard adds to a 1000-number check), printed and written as Markdown and JSON.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import type { Row } from "./slices.js";

export interface ShardRun {
  shards: number;
  seedSeconds: number;
  rows: Row[];
  /** Scenarios measured again because wrangler restarted the Worker during them. */
  remeasured: number;
}

export const CONTROL = "control: refresh refused before the shard (400)";
export const REFRESH = "login refresh PUT /v1/bindings";
export const CHECK = "carrier check, 1000 numbers";

const ms = (value: number | undefined) => (value === undefined ? "—" : value.toFixed(2));
const total = (cpu: Record<string, number> | undefined) =>
  cpu && Object.values(cpu).reduce((sum, value) => sum + value, 0);

function cpuRatio(row: Row): number | undefined {
  const bare = total(row.baselineCpuMs);
  const scenario = total(row.cpuMs);
  return bare === undefined || !scenario ? undefined : bare / scenario;
}

/** A bare request's CPU time by process, averaged over the baseline slices of every scenario. */
function bareCpu(run: ShardRun): string {
  const measured = run.rows.flatMap((row) => (row.baselineCpuMs ? [row.baselineCpuMs] : []));
  if (measured.length === 0) return "an unknown CPU time (no /proc)";
  const mean = (role: string) => measured.reduce((sum, cpu) => sum + (cpu[role] ?? 0), 0) / measured.length;
  return `Worker ${ms(mean("worker"))} ms, proxy ${ms(mean("proxy"))} ms, wrangler ${ms(mean("wrangler"))} ms of CPU`;
}

/**
 * The control is a login refresh stopped just before its shard call, so the difference of their
 * costs is what the call adds: in bare requests (baseline req/s ÷ req/s), and in CPU time of the
 * workerd that runs the Worker and its Durable Objects.
 */
function shardCallCost(run: ShardRun): string {
  const control = run.rows.find((row) => row.name === CONTROL);
  const refresh = run.rows.find((row) => row.name === REFRESH);
  if (!control || !refresh) return "no shard call cost (a scenario was not run)";
  const bare = (row: Row) => row.baselineRps / row.rps;
  const cpu = (row: Row) => row.cpuMs?.worker;
  const cpuAdded = cpu(refresh) !== undefined && cpu(control) !== undefined ? cpu(refresh)! - cpu(control)! : undefined;
  return (
    `a login refresh costs ${bare(refresh).toFixed(2)} bare requests, the control ${bare(control).toFixed(2)}, so the shard call adds ${(bare(refresh) - bare(control)).toFixed(2)}; ` +
    `Worker CPU ${ms(cpu(refresh))} ms vs ${ms(cpu(control))} ms: the shard call adds ${ms(cpuAdded)} ms`
  );
}

/** The 1000-number check touches nearly every shard up to 64: the CPU difference is the cost of the extra calls. */
function fanOutCost(runs: ShardRun[]): string[] {
  const checks = runs
    .map((run) => ({ shards: run.shards, row: run.rows.find((row) => row.name === CHECK) }))
    .filter((check) => check.row?.cpuMs?.worker !== undefined);
  return checks.slice(1).map((check, i) => {
    const before = checks[i]!;
    const perCall = (check.row!.cpuMs!.worker! - before.row!.cpuMs!.worker!) / (check.shards - before.shards);
    return `carrier check, 1000 numbers: Worker CPU ${ms(before.row!.cpuMs!.worker)} ms at ${before.shards} shards, ${ms(check.row!.cpuMs!.worker)} ms at ${check.shards}: ${ms(perCall)} ms per extra shard called`;
  });
}

/** How a run was made, for its heading and its JSON. */
export interface Settings {
  bindings: number;
  duration: number;
  slices: number;
  connections: number;
  out: string;
}

/** Prints the table and the derived costs, and writes them as <time>.md and <time>.json into `settings.out`. */
export function report(settings: Settings, runs: ShardRun[], loadBefore: number[], loadAfter: number[]) {
  const { bindings, duration, slices, connections, out } = settings;
  const wrangler = (JSON.parse(readFileSync("node_modules/wrangler/package.json", "utf8")) as { version: string })
    .version;
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, wrangler ${wrangler}`;
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(" ");
  const line = (shards: number, row: Row) =>
    `| ${shards} | ${row.name} | ${row.rps.toFixed(0)} | ${row.p50} | ${row.p99} | ${row.baselineRps.toFixed(0)} | ${(row.rps / row.baselineRps).toFixed(3)} | ${ms(row.cpuMs?.worker)} | ${ms(row.cpuMs?.proxy)} | ${cpuRatio(row)?.toFixed(3) ?? "—"} | ${row.unexpected} |`;
  const lines = [
    `numbind on wrangler dev, ${new Date().toISOString().slice(0, 16)}Z — ${bindings.toLocaleString()} bindings, ${duration} s per scenario in ${slices} slices, ${connections} connections`,
    `machine: ${machine}; load average ${load(loadBefore)} before, ${load(loadAfter)} after`,
    "",
    "| shards | scenario | req/s | p50 ms | p99 ms | baseline req/s | ratio to baseline | Worker CPU ms/req | proxy CPU ms/req | ratio by CPU | unexpected |",
    "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...runs.flatMap((run) => run.rows.map((row) => line(run.shards, row))),
    "",
    "baseline: GET /.well-known/jwks.json on the same Worker, in slices interleaved with each scenario's.",
    "CPU: user + system time per request of the workerd running the Worker and its Durable Objects, and of wrangler's proxy in front of it;",
    "ratio by CPU: a bare request's CPU time (all of wrangler dev's processes) over the scenario's, which a busy machine does not skew.",
    ...runs.map((run) => `${run.shards} shards: a bare request takes ${bareCpu(run)}`),
    ...runs.map((run) => `${run.shards} shards: ${shardCallCost(run)}`),
    ...fanOutCost(runs),
    ...runs
      .filter((run) => run.remeasured > 0)
      .map((run) => `${run.shards} shards: ${run.remeasured} scenario runs discarded: wrangler restarted the Worker`),
  ];
  const text = lines.join("\n");
  console.log(`\n${text}`);
  mkdirSync(out, { recursive: true });
  const stamp = new Date().toISOString().replaceAll(":", "-").slice(0, 19);
  writeFileSync(join(out, `${stamp}.md`), `${text}\n`);
  const results = {
    bindings,
    duration,
    slices,
    connections,
    machine,
    loadBefore,
    loadAfter,
    runs: runs.map((run) => ({ ...run, rows: run.rows.map((row) => ({ ...row, ratio: row.rps / row.baselineRps })) })),
  };
  writeFileSync(join(out, `${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nresults: ${join(out, stamp)}.md and .json`);
}
