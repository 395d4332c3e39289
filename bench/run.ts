// npm run bench -- [--bindings 100000] [--duration 5] [--connections 10] [--warmup 1] [--slices 5] [--only <name part>] [--out DIR]
// Seeds a production-mode server with N bindings, drives it with autocannon from this (separate)
// process, and reports every scenario as a ratio to a bare endpoint served by the same server in
// the same run, so the figures hold on a noisy shared machine.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import type { JWK } from "jose";
import { createClient } from "../src/auth/clients.js";
import { generateSigningJwk, publicJwk } from "../src/auth/keys.js";
import { CLIENT_ASSERTION_TYPE, signClientAssertion } from "../src/client/assertion.js";
import { systemClock } from "../src/clock.js";
import { parseEnvironment, resolveConfig } from "../src/config.js";
import { newId } from "../src/ids.js";
import { hashPhone, maskPhone } from "../src/phone.js";
import { openNodeDatabase } from "../src/runtime/node/setup.js";

const DEFAULT_OUT = join(tmpdir(), "numbind-bench-results");

const USAGE = `npm run bench -- [options]   the benchmark (bench/README.md)

  --bindings N      bindings seeded before the run (default 100000)
  --duration S      seconds measured per scenario (default 5)
  --slices N        each scenario measured in N slices, each after a slice of the baseline (default 5)
  --warmup S        seconds of the same traffic before each scenario (default 1)
  --connections N   concurrent connections (default 10)
  --only TEXT       run only the scenarios whose name contains TEXT
  --out DIR         where the results go, as <time>.md and <time>.json (default ${DEFAULT_OUT})

The seeded database lives in a temporary folder that is removed when the run ends.`;

function usageError(message: string): never {
  console.error(`bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function options() {
  try {
    return parseArgs({
      options: {
        help: { type: "boolean", short: "h" },
        bindings: { type: "string", default: "100000" },
        duration: { type: "string", default: "5" },
        connections: { type: "string", default: "10" },
        // Seconds of the same traffic before each measured scenario, so caches are warm as in service.
        warmup: { type: "string", default: "1" },
        // Each scenario is measured in this many slices, each after a slice of the baseline.
        slices: { type: "string", default: "5" },
        // Runs only the scenarios whose name contains this text: for profiling.
        only: { type: "string" },
        out: { type: "string", default: DEFAULT_OUT },
      },
    }).values;
  } catch (error) {
    return usageError((error as Error).message);
  }
}

const values = options();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
for (const name of ["bindings", "duration", "connections", "warmup", "slices"] as const) {
  const value = Number(values[name]);
  if (
    !Number.isFinite(value) ||
    value < (name === "warmup" ? 0 : 1) ||
    (name !== "duration" && !Number.isInteger(value))
  ) {
    usageError(
      `--${name} ${values[name]} is not a ${name === "duration" ? "positive number" : "positive whole number"}`,
    );
  }
}
const N = Number(values.bindings);
const DURATION = Number(values.duration);
const WARMUP = Number(values.warmup);
const SLICES = Number(values.slices);
const SWEEP_DELAY_SECONDS = 5;
/** Carrier batches of 1000 events sent back to back while login p99 is measured. */
const EVENT_BATCHES = 10;
const CONNECTIONS = Number(values.connections);
const OUT = values.out;
const PORT = 18000 + Math.floor(Math.random() * 1000);
const BASE = `http://127.0.0.1:${PORT}`;
const DAY = 86_400_000;

const number = (i: number) => `+86139${String(i % 100_000_000).padStart(8, "0")}`;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "numbind-bench-"));
  let server: Server | undefined;
  // The seeded database is hundreds of megabytes at a million bindings: it never outlives the run.
  const cleanUp = () => rmSync(dir, { recursive: true, force: true });
  process.once("SIGINT", () => {
    server?.child.kill("SIGTERM");
    cleanUp();
    process.exit(130);
  });
  try {
    server = await run(dir, (started) => (server = started));
  } finally {
    if (server) await stopServer(server);
    cleanUp();
  }
}

/** The whole run over a database in `dir`; `track` hears of every server it starts, for the clean-up. */
async function run(dir: string, track: (server: Server) => Server): Promise<Server> {
  const env: Record<string, string> = {
    NODE_ENV: "production",
    PORT: String(PORT),
    NUMBIND_DB_PATH: join(dir, "bench.sqlite"),
    NUMBIND_ISSUER: BASE,
    NUMBIND_PEPPER: "bench-pepper-bench-pepper-bench-pepper-0123",
    NUMBIND_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk()] }),
    NUMBIND_SWEEP_INTERVAL: "P1D",
    // The bench drives thousands of requests a second on one token: budgets would measure themselves.
    NUMBIND_RATE_LIMITS: "off",
  };
  const config = resolveConfig(parseEnvironment(env));
  console.log(`seeding ${N.toLocaleString()} bindings into ${config.dbPath} ...`);
  const seedStart = performance.now();
  const db = await openNodeDatabase(config);
  const appKey = await generateSigningJwk();
  const carrierKey = await generateSigningJwk();
  const app = await createClient(db, systemClock, {
    kind: "app",
    name: "Bench Bank",
    jwks: { keys: [publicJwk(appKey)] },
  });
  const carrier = await createClient(db, systemClock, {
    kind: "carrier",
    name: "Bench Carrier",
    jwks: { keys: [publicJwk(carrierKey)] },
    numberPrefixes: ["+86139"],
  });
  // The fast bulk path: one prepared statement, large transactions, no HTTP.
  const insert = db.client.prepare(
    "insert into bindings (id, app_id, phone_hash, phone_hint, account_ref, status, bound_at, verified_at, last_seen_at) values (?, ?, ?, ?, ?, 'active', ?, ?, ?)",
  );
  const now = Date.now();
  const seed = db.client.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const e164 = number(i);
      insert.run(
        newId("bnd"),
        app.id,
        hashPhone(config.pepper, e164),
        maskPhone(e164),
        `acct-${i}`,
        now - DAY,
        now - DAY,
        now - 2 * 60 * 60_000,
      );
    }
  });
  for (let from = 0; from < N; from += 50_000) seed(from, Math.min(N, from + 50_000));
  db.client.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  console.log(`seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  let server = track(await startServer(env));
  const appToken = await machineToken(app.id, appKey);
  const carrierToken = await machineToken(carrier.id, carrierKey);
  const personToken = await token({
    grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
    assertion: await assertion(carrier.id, carrierKey, `tel:${number(7)}`),
  });
  const json = (auth: string) => ({ "content-type": "application/json", authorization: `Bearer ${auth}` });
  const random = () => Math.floor(Math.random() * N);
  let firstTime = 0;
  const loginRefresh: Scenario = {
    method: "PUT",
    path: "/v1/bindings",
    headers: json(appToken),
    // A different seeded binding on every request: many numbers and accounts, one app token.
    body: () => {
      const i = random();
      return { phone_number: number(i), account_ref: `acct-${i}` };
    },
    expect: 200,
  };
  const rows: Row[] = [];
  const wanted = (name: string) => values.only === undefined || name.includes(values.only);
  const run = async (name: string, scenario: Scenario, connections?: number) => {
    if (wanted(name)) rows.push(await drive(name, scenario, connections));
  };
  await run("login refresh PUT /v1/bindings", loginRefresh);
  await run("first-time bind PUT /v1/bindings", {
    method: "PUT",
    path: "/v1/bindings",
    headers: json(appToken),
    body: () => {
      const i = firstTime++;
      return { phone_number: number(N + i), account_ref: `new-${i}` };
    },
    expect: 201,
  });
  await run("carrier check, 1 number", {
    method: "POST",
    path: "/v1/numbers/bindings",
    headers: json(carrierToken),
    body: () => ({ phone_numbers: [number(random())] }),
    expect: 200,
  });
  // One connection: the figure is the latency of a batch on its own, not time spent queueing.
  // Each batch is a different set of 1000 seeded numbers, spread over the whole table.
  await run(
    "carrier check, 1000 numbers",
    {
      method: "POST",
      path: "/v1/numbers/bindings",
      headers: json(carrierToken),
      body: () => {
        const start = random();
        return { phone_numbers: Array.from({ length: 1000 }, (_, i) => number((start + i * 97) % N)) };
      },
      expect: 200,
    },
    1,
  );
  await run("check-recycled", {
    method: "POST",
    path: "/v1/numbers/check-recycled",
    headers: json(appToken),
    body: () => ({ phone_number: number(random()), since: "2026-01-01T00:00:00Z" }),
    expect: 200,
  });
  await run("GET /v1/me/bindings", {
    method: "GET",
    path: "/v1/me/bindings",
    headers: { authorization: `Bearer ${personToken}` },
    expect: 200,
  });

  // Carrier event batches of 1000 on one connection, back to back, while apps log in: the batch is
  // applied in slices with other requests let in between, so login p99 should barely move.
  let eventBatches: EventBatchFigures | undefined;
  const plainRefresh = rows.find((row) => row.name === "login refresh PUT /v1/bindings");
  if (wanted("login refresh during carrier event batches") && plainRefresh) {
    let sequence = 0;
    let refused = 0;
    const started = performance.now();
    const batches = (async () => {
      for (let batch = 0; batch < EVENT_BATCHES; batch++) {
        const events = Array.from({ length: 1000 }, (_, i) => ({
          id: `bench-${Date.now()}-${sequence}-${i}`,
          phone_number: number((sequence * 1000 + i * 37) % N),
          // Informational events: they are recorded and change the number's state, not its bindings.
          type: i % 2 === 0 ? "suspended" : "reactivated",
          occurred_at: new Date().toISOString(),
        }));
        sequence++;
        const response = await fetch(`${BASE}/v1/numbers/events`, {
          method: "POST",
          headers: json(carrierToken),
          body: JSON.stringify({ events }),
        });
        if (response.status !== 200) refused++;
        await response.arrayBuffer();
      }
    })();
    process.stdout.write("  login refresh during carrier event batches ... ");
    const during = await measureWhile(loginRefresh, CONNECTIONS, batches);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${(during.requests / during.seconds).toFixed(0)} req/s, p50 ${during.p50} ms, p99 ${during.p99} ms; ${EVENT_BATCHES} batches in ${seconds.toFixed(1)} s${refused ? `, ${refused} REFUSED` : ""}`,
    );
    rows.push({
      name: "login refresh during carrier event batches",
      rps: during.requests / during.seconds,
      p50: during.p50,
      p99: during.p99,
      unexpected: during.unexpected + refused,
    });
    eventBatches = {
      batches: EVENT_BATCHES,
      eventsPerSecond: (EVENT_BATCHES * 1000) / seconds,
      refreshP99: plainRefresh.p99,
      duringP99: during.p99,
    };
  }

  // The sweeper, as a Node deployment runs it: on the server's sweeper thread, on its timer.
  // Half of the seeded bindings are aged past the window and the server restarted with a sweep
  // interval of a few seconds, which the traffic spends warming it up. From the first swept
  // batch until the sweep is done, the bench refreshes bindings of the other half: the same
  // read-mostly traffic as "login refresh", so the two p99s compare.
  let sweep: SweepFigures | undefined;
  const refresh = rows.find((row) => row.name === "login refresh PUT /v1/bindings");
  if (wanted("login refresh during sweep") && refresh) {
    await stopServer(server);
    const aged = await openNodeDatabase(config);
    const agedRows = aged.client
      .prepare(
        "update bindings set last_seen_at = ? where account_ref like 'acct-%' and cast(substr(account_ref, 6) as integer) % 2 = 1",
      )
      .run(Date.now() - 91 * DAY).changes;
    aged.close();
    server = track(await startServer({ ...env, NUMBIND_SWEEP_INTERVAL: `PT${SWEEP_DELAY_SECONDS}S` }));
    const started = server.printed(/sweeping bindings/);
    const done = server.printed(/expired (\d+) bindings in (\d+) ms/);
    const unaged: Scenario = {
      ...loginRefresh,
      body: () => {
        const i = 2 * Math.floor(random() / 2);
        return { phone_number: number(i), account_ref: `acct-${i}` };
      },
    };
    // The restarted server warms up on the same traffic until its first sweep begins.
    await measureWhile(unaged, CONNECTIONS, started);
    process.stdout.write("  login refresh during sweep ... ");
    const during = await measureWhile(unaged, CONNECTIONS, done);
    const [, swept, elapsedMs] = (await done).map(Number);
    console.log(
      `${(during.requests / during.seconds).toFixed(0)} req/s, p50 ${during.p50} ms, p99 ${during.p99} ms over ${during.seconds.toFixed(1)} s${during.unexpected ? `, ${during.unexpected} UNEXPECTED` : ""}`,
    );
    rows.push({
      name: "login refresh during sweep",
      rps: during.requests / during.seconds,
      p50: during.p50,
      p99: during.p99,
      unexpected: during.unexpected,
    });
    sweep = {
      agedRows,
      swept: swept!,
      elapsedMs: elapsedMs!,
      sweepRate: swept! / (elapsedMs! / 1000),
      refreshP99: refresh.p99,
      duringP99: during.p99,
    };
  }

  report(rows, sweep, eventBatches);
  return server;
}

interface EventBatchFigures {
  batches: number;
  eventsPerSecond: number;
  refreshP99: number;
  duringP99: number;
}

interface SweepFigures {
  agedRows: number;
  swept: number;
  elapsedMs: number;
  sweepRate: number;
  refreshP99: number;
  duringP99: number;
}

interface Scenario {
  method: "GET" | "PUT" | "POST";
  path: string;
  headers?: Record<string, string>;
  /** A JSON body made afresh for every request. */
  body?: () => unknown;
  /** The one status every response must have; a scenario answering otherwise measures nothing. */
  expect: number;
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  /** The baseline's req/s in the slices interleaved with this scenario's. */
  baselineRps?: number;
  /** Responses with another status than the scenario expects, plus connection errors. */
  unexpected: number;
}

const BASELINE: Scenario = { method: "GET", path: "/.well-known/jwks.json", expect: 200 };

interface Slice {
  requests: number;
  seconds: number;
  p50: number;
  p99: number;
  unexpected: number;
  statuses: Record<string, number>;
}

function autocannonOptions(scenario: Scenario, connections: number, seconds: number): autocannon.Options {
  const { body, expect: _expect, ...request } = scenario;
  return {
    url: BASE,
    connections,
    duration: seconds,
    // Per-request setup works only inside `requests` (a top-level setupRequest runs once).
    requests: [
      {
        ...request,
        ...(body ? { setupRequest: (built: autocannon.Request) => ({ ...built, body: JSON.stringify(body()) }) } : {}),
      },
    ],
  };
}

function slice(scenario: Scenario, result: autocannon.Result): Slice {
  const statuses = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, (stat as { count: number }).count]),
  );
  const unexpected =
    result.errors +
    Object.entries(statuses).reduce((sum, [code, count]) => sum + (Number(code) === scenario.expect ? 0 : count), 0);
  return {
    requests: result.requests.total,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    unexpected,
    statuses,
  };
}

async function measure(scenario: Scenario, connections: number, seconds: number): Promise<Slice> {
  return slice(scenario, await autocannon(autocannonOptions(scenario, connections, seconds)));
}

/** Drives the scenario for as long as `running` is pending. */
async function measureWhile(scenario: Scenario, connections: number, running: Promise<unknown>): Promise<Slice> {
  let instance: autocannon.Instance | undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(autocannonOptions(scenario, connections, 3600), (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });
  await running.finally(() => instance!.stop());
  return slice(scenario, await finished);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Warms the scenario up, then measures it in SLICES slices, each right after a slice of the
 * baseline: the machine's speed drifts by the second, and a ratio of two figures taken seconds
 * apart drifts with it. `paired: false` measures the scenario alone (while the sweep runs).
 */
async function drive(
  name: string,
  scenario: Scenario,
  connections = CONNECTIONS,
  { paired = true, warmup = WARMUP } = {},
): Promise<Row> {
  process.stdout.write(`  ${name} ... `);
  if (warmup > 0) await measure(scenario, connections, warmup);
  const slices = paired ? SLICES : 1;
  const runs: Slice[] = [];
  const baselines: Slice[] = [];
  for (let slice = 0; slice < slices; slice++) {
    if (paired) baselines.push(await measure(BASELINE, CONNECTIONS, DURATION / slices));
    runs.push(await measure(scenario, connections, DURATION / slices));
  }
  const rate = (measured: Slice[]) =>
    measured.reduce((sum, run) => sum + run.requests, 0) / measured.reduce((sum, run) => sum + run.seconds, 0);
  const row: Row = {
    name,
    rps: rate(runs),
    p50: median(runs.map((run) => run.p50)),
    p99: median(runs.map((run) => run.p99)),
    ...(paired ? { baselineRps: rate(baselines) } : {}),
    unexpected: runs.reduce((sum, run) => sum + run.unexpected, 0),
  };
  const statuses: Record<string, number> = {};
  for (const run of runs)
    for (const [code, count] of Object.entries(run.statuses)) statuses[code] = (statuses[code] ?? 0) + count;
  const ratio = row.baselineRps
    ? `, ${(row.rps / row.baselineRps).toFixed(2)} of baseline ${row.baselineRps.toFixed(0)} req/s`
    : "";
  console.log(
    `${row.rps.toFixed(0)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms${ratio}, statuses ${JSON.stringify(statuses)}${row.unexpected ? `, ${row.unexpected} UNEXPECTED` : ""}`,
  );
  return row;
}

interface Server {
  child: ChildProcess;
  /** Settles with the first match of `pattern` in what the server prints from now on. */
  printed(pattern: RegExp): Promise<RegExpMatchArray>;
}

function startServer(env: Record<string, string>): Promise<Server> {
  const args = [
    ...(process.env.BENCH_SERVER_FLAGS ? process.env.BENCH_SERVER_FLAGS.split(" ") : []),
    "--import",
    "tsx",
    "src/cli.ts",
    "serve",
  ];
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  const printed = (pattern: RegExp) => {
    const from = output.length;
    return new Promise<RegExpMatchArray>((resolve, reject) => {
      const look = () => {
        const match = pattern.exec(output.slice(from));
        if (!match) return false;
        child.stdout!.off("data", look);
        resolve(match);
        return true;
      };
      child.stdout!.on("data", look);
      child.once("exit", (code) => reject(new Error(`server exited with ${code} before printing ${pattern}`)));
    });
  };
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return printed(/listening/).then(() => ({ child, printed }));
}

function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return resolve();
    server.child.once("exit", () => resolve());
    server.child.kill("SIGTERM");
  });
}

function assertion(clientId: string, key: JWK, subject = clientId) {
  return signClientAssertion({ clientId, privateJwk: key, audience: BASE, subject });
}

async function token(form: Record<string, string>): Promise<string> {
  const response = await fetch(`${BASE}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token refused: ${JSON.stringify(body)}`);
  return body.access_token;
}

function machineToken(clientId: string, key: JWK) {
  return assertion(clientId, key).then((client_assertion) =>
    token({ grant_type: "client_credentials", client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion }),
  );
}

function report(rows: Row[], sweep: SweepFigures | undefined, eventBatches: EventBatchFigures | undefined) {
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const ratio = (row: Row) => (row.baselineRps ? (row.rps / row.baselineRps).toFixed(2) : "—");
  const line = (row: Row) =>
    `| ${row.name} | ${row.rps.toFixed(0)} | ${row.p50} | ${row.p99} | ${row.baselineRps?.toFixed(0) ?? "—"} | ${ratio(row)} | ${row.unexpected} |`;
  const lines = [
    `numbind benchmark — ${N.toLocaleString()} bindings, ${DURATION} s per scenario in ${SLICES} slices, ${CONNECTIONS} connections`,
    `machine: ${machine}`,
    "",
    "| scenario | req/s | p50 ms | p99 ms | baseline req/s | ratio to baseline | unexpected |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map(line),
    "",
    "baseline: GET /.well-known/jwks.json, measured in slices interleaved with each scenario's.",
    sweep
      ? `sweeper: ${sweep.swept.toLocaleString()} of ${sweep.agedRows.toLocaleString()} aged bindings expired in ${sweep.elapsedMs} ms = ${Math.round(sweep.sweepRate).toLocaleString()} rows/s; ` +
        `login p99 during the sweep ${sweep.duringP99} ms vs ${sweep.refreshP99} ms without (${(sweep.duringP99 / Math.max(sweep.refreshP99, 1)).toFixed(1)}×)`
      : "sweeper: not run",
    eventBatches
      ? `carrier event batches: ${eventBatches.batches} × 1000 events at ${Math.round(eventBatches.eventsPerSecond).toLocaleString()} events/s; ` +
        `login p99 during them ${eventBatches.duringP99} ms vs ${eventBatches.refreshP99} ms without (${(eventBatches.duringP99 / Math.max(eventBatches.refreshP99, 1)).toFixed(1)}×)`
      : "carrier event batches: not run",
  ];
  const text = lines.join("\n");
  console.log(`\n${text}`);
  mkdirSync(OUT, { recursive: true });
  const stamp = new Date().toISOString().replaceAll(":", "-").slice(0, 19);
  writeFileSync(join(OUT, `${stamp}.md`), text + "\n");
  writeFileSync(
    join(OUT, `${stamp}.json`),
    JSON.stringify(
      {
        bindings: N,
        duration: DURATION,
        slices: SLICES,
        connections: CONNECTIONS,
        machine,
        rows: rows.map((row) => ({ ...row, ratio: row.baselineRps ? row.rps / row.baselineRps : null })),
        sweep,
        eventBatches,
      },
      null,
      2,
    ) + "\n",
  );
  console.log(`\nresults: ${join(OUT, stamp)}.md and .json`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
