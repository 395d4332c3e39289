// Measuring one scenario against the bare endpoint of the same server, in interleaved slices:
// bench/worker.ts's method, the one bench/run.ts follows for Node.
import autocannon from "autocannon";

export interface Scenario {
  name: string;
  method: "GET" | "PUT" | "POST";
  path: string;
  headers?: Record<string, string>;
  /** A JSON body made afresh for every request. */
  body?: () => unknown;
  /** The one status every response must have; a scenario answering otherwise measures nothing. */
  expect: number;
  connections?: number;
}

export interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  /** The baseline's req/s in the slices interleaved with this scenario's. */
  baselineRps: number;
  /** Responses with another status than the scenario expects, plus connection errors. */
  unexpected: number;
  /** CPU milliseconds per request, by process, when the plan can read them: robust to a busy machine. */
  cpuMs?: Record<string, number>;
  baselineCpuMs?: Record<string, number>;
}

type CpuSeconds = Partial<Record<string, number>>;

/** How long and how hard each scenario is driven. */
export interface Plan {
  /** Seconds measured per scenario, split over the slices. */
  duration: number;
  slices: number;
  /** Seconds of the same traffic before the slices, so caches are warm as in service. */
  warmup: number;
  connections: number;
  /** CPU seconds used so far by the server's processes, by process. */
  cpuSeconds?: () => CpuSeconds;
}

const BASELINE: Scenario = { name: "baseline", method: "GET", path: "/.well-known/jwks.json", expect: 200 };

interface Slice {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  unexpected: number;
  /** CPU seconds the server's processes used during the slice, by process. */
  cpu: CpuSeconds;
}

async function measure(
  base: string,
  scenario: Scenario,
  connections: number,
  duration: number,
  cpuSeconds: () => CpuSeconds = () => ({}),
): Promise<Slice> {
  const { body, expect, method, path, headers } = scenario;
  const cpuBefore = cpuSeconds();
  const result = await autocannon({
    url: base,
    connections,
    duration,
    // Per-request setup works only inside `requests` (a top-level setupRequest runs once).
    requests: [
      {
        method,
        path,
        headers,
        ...(body ? { setupRequest: (built: autocannon.Request) => ({ ...built, body: JSON.stringify(body()) }) } : {}),
      },
    ],
  });
  const cpuAfter = cpuSeconds();
  const statuses = Object.entries(result.statusCodeStats ?? {}) as [string, { count: number }][];
  const unexpected = statuses.reduce((sum, [code, { count }]) => sum + (Number(code) === expect ? 0 : count), 0);
  return {
    requests: result.requests.total,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    unexpected: unexpected + result.errors,
    cpu: Object.fromEntries(Object.entries(cpuAfter).map(([name, after]) => [name, after! - (cpuBefore[name] ?? 0)])),
  };
}

const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)]!;
const rate = (slices: Slice[]) =>
  slices.reduce((sum, s) => sum + s.requests, 0) / slices.reduce((sum, s) => sum + s.seconds, 0);

/** CPU milliseconds per request over the slices, by process; undefined when none were read. */
function cpuPerRequest(slices: Slice[]): Record<string, number> | undefined {
  const requests = slices.reduce((sum, s) => sum + s.requests, 0);
  const totals: Record<string, number> = {};
  for (const slice of slices)
    for (const [name, seconds] of Object.entries(slice.cpu)) totals[name] = (totals[name] ?? 0) + seconds!;
  if (Object.keys(totals).length === 0 || requests === 0) return undefined;
  return Object.fromEntries(Object.entries(totals).map(([name, seconds]) => [name, (seconds * 1000) / requests]));
}

/**
 * Warms the scenario up, then measures it in `plan.slices` slices, each right after a slice of the
 * baseline: the machine's speed drifts by the second, and a ratio of two figures taken seconds
 * apart drifts with it.
 */
export async function drive(base: string, scenario: Scenario, plan: Plan): Promise<Row> {
  const { duration, slices, warmup, cpuSeconds } = plan;
  const connections = scenario.connections ?? plan.connections;
  process.stdout.write(`  ${scenario.name} ... `);
  if (warmup > 0) await measure(base, scenario, connections, warmup);
  const runs: Slice[] = [];
  const baselines: Slice[] = [];
  for (let i = 0; i < slices; i++) {
    baselines.push(await measure(base, BASELINE, plan.connections, duration / slices, cpuSeconds));
    runs.push(await measure(base, scenario, connections, duration / slices, cpuSeconds));
  }
  const row: Row = {
    name: scenario.name,
    rps: rate(runs),
    p50: median(runs.map((run) => run.p50)),
    p99: median(runs.map((run) => run.p99)),
    baselineRps: rate(baselines),
    unexpected: runs.reduce((sum, run) => sum + run.unexpected, 0) + baselines.reduce((s, b) => s + b.unexpected, 0),
    cpuMs: cpuPerRequest(runs),
    baselineCpuMs: cpuPerRequest(baselines),
  };
  const cpu = row.cpuMs
    ? `, CPU ms/request ${Object.entries(row.cpuMs)
        .map(([name, value]) => `${name} ${value.toFixed(2)}`)
        .join(" ")}`
    : "";
  console.log(
    `${row.rps.toFixed(0)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms, ${(row.rps / row.baselineRps).toFixed(2)} of baseline ${row.baselineRps.toFixed(0)} req/s${cpu}${row.unexpected ? `, ${row.unexpected} UNEXPECTED` : ""}`,
  );
  return row;
}
