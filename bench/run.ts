// npm run bench -- [--bindings 100000] [--duration 5] [--connections 10]
// Seeds a production-mode server with N bindings, drives it with autocannon from this (separate)
// process, and reports every scenario as a ratio to a bare endpoint served by the same server in
// the same run, so the figures hold on a noisy shared machine.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { importJWK, SignJWT, type JWK } from "jose";
import { createClient } from "../src/admin/clients.js";
import { generateSigningJwk, publicJwk } from "../src/auth/keys.js";
import { systemClock } from "../src/clock.js";
import { parseEnvironment, resolveConfig } from "../src/config.js";
import { hashPhone, maskPhone } from "../src/phone.js";
import { newId } from "../src/ids.js";
import { openNodeDatabase } from "../src/node.js";

const { values } = parseArgs({
  options: { bindings: { type: "string", default: "100000" }, duration: { type: "string", default: "5" }, connections: { type: "string", default: "10" } },
});
const N = Number(values.bindings);
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const PORT = 18000 + Math.floor(Math.random() * 1000);
const BASE = `http://127.0.0.1:${PORT}`;
const DAY = 86_400_000;

const number = (i: number) => `+86139${String(i % 100_000_000).padStart(8, "0")}`;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "numbind-bench-"));
  const env: Record<string, string> = {
    NODE_ENV: "production",
    PORT: String(PORT),
    NUMBIND_DB_PATH: join(dir, "bench.sqlite"),
    NUMBIND_ISSUER: BASE,
    NUMBIND_PEPPER: "bench-pepper-bench-pepper-bench-pepper-0123",
    NUMBIND_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk()] }),
    NUMBIND_SWEEP_INTERVAL: "P1D",
  };
  const config = resolveConfig(parseEnvironment(env));
  console.log(`seeding ${N.toLocaleString()} bindings into ${config.dbPath} ...`);
  const seedStart = performance.now();
  const db = await openNodeDatabase(config);
  const appKey = await generateSigningJwk();
  const carrierKey = await generateSigningJwk();
  const app = await createClient(db, systemClock, { kind: "app", name: "Bench Bank", jwks: { keys: [publicJwk(appKey)] } });
  const carrier = await createClient(db, systemClock, { kind: "carrier", name: "Bench Carrier", jwks: { keys: [publicJwk(carrierKey)] }, numberPrefixes: ["+86139"] });
  // The fast bulk path: one prepared statement, large transactions, no HTTP.
  const insert = db.client.prepare(
    "insert into bindings (id, app_id, phone_hash, phone_hint, account_ref, status, bound_at, verified_at, last_seen_at) values (?, ?, ?, ?, ?, 'active', ?, ?, ?)",
  );
  const now = Date.now();
  const seed = db.client.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const e164 = number(i);
      insert.run(newId("bnd"), app.id, hashPhone(config.pepper, e164), maskPhone(e164), `acct-${i}`, now - DAY, now - DAY, now - 2 * 60 * 60_000);
    }
  });
  for (let from = 0; from < N; from += 50_000) seed(from, Math.min(N, from + 50_000));
  db.client.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  console.log(`seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  const server = await startServer(env);
  try {
    const appToken = await machineToken(app.id, appKey);
    const carrierToken = await machineToken(carrier.id, carrierKey);
    const personToken = await token({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: await assertion(carrier.id, carrierKey, `tel:${number(7)}`) });
    const json = (auth: string) => ({ "content-type": "application/json", authorization: `Bearer ${auth}` });
    let firstTime = 0;
    /** A body per request, about a random seeded binding. */
    const randomBody = (make: (i: number) => unknown) => (request: Record<string, unknown>) => ({
      ...request,
      body: JSON.stringify(make(Math.floor(Math.random() * N))),
    });
    const rows: Row[] = [];
    const baseline = await drive("baseline GET /.well-known/jwks.json", { method: "GET", path: "/.well-known/jwks.json" });
    rows.push(baseline);
    rows.push(
      await drive("login refresh PUT /v1/bindings", {
        method: "PUT",
        path: "/v1/bindings",
        headers: json(appToken),
        setupRequest: randomBody((i) => ({ phone_number: number(i), account_ref: `acct-${i}` })),
      }),
    );
    rows.push(
      await drive("first-time bind PUT /v1/bindings", {
        method: "PUT",
        path: "/v1/bindings",
        headers: json(appToken),
        setupRequest: (request: Record<string, unknown>) => {
          const i = firstTime++;
          return { ...request, body: JSON.stringify({ phone_number: number(i), account_ref: `new-${i}` }) };
        },
      }),
    );
    rows.push(
      await drive("carrier check, 1 number", {
        method: "POST",
        path: "/v1/numbers/bindings",
        headers: json(carrierToken),
        setupRequest: randomBody((i) => ({ phone_numbers: [number(i)] })),
      }),
    );
    const thousand = JSON.stringify({ phone_numbers: Array.from({ length: 1000 }, (_, i) => number((i * 97) % N)) });
    // One connection: the figure is the latency of a batch on its own, not time spent queueing.
    rows.push(await drive("carrier check, 1000 numbers", { method: "POST", path: "/v1/numbers/bindings", headers: json(carrierToken), body: thousand }, 1));
    rows.push(
      await drive("check-recycled", {
        method: "POST",
        path: "/v1/numbers/check-recycled",
        headers: json(appToken),
        setupRequest: randomBody((i) => ({ phone_number: number(i), since: "2026-01-01T00:00:00Z" })),
      }),
    );
    rows.push(await drive("GET /v1/me/bindings", { method: "GET", path: "/v1/me/bindings", headers: { authorization: `Bearer ${personToken}` } }));

    // The sweeper: age half of the bindings past the window, then sweep from a separate process
    // while logins keep coming, and compare their p99 with the refresh p99 measured above.
    const aged = await openNodeDatabase(config);
    const agedRows = aged.client.prepare("update bindings set last_seen_at = ? where rowid % 2 = 0 and status = 'active'").run(Date.now() - 91 * DAY).changes;
    aged.close();
    const sweep = runSweep(env);
    const during = await drive("login refresh during sweep", rows[1]!.options);
    const { swept, elapsedMs } = await sweep;
    rows.push(during);
    const sweepRate = swept / (elapsedMs / 1000);

    report(rows, baseline, { agedRows, swept, elapsedMs, sweepRate, refreshP99: rows[1]!.p99 });
  } finally {
    server.kill("SIGTERM");
  }
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  options: Record<string, unknown>;
}

async function drive(name: string, options: Record<string, unknown>, connections = CONNECTIONS): Promise<Row> {
  process.stdout.write(`  ${name} ... `);
  const { path, ...rest } = options as { path: string };
  const result = await autocannon({ url: BASE + path, connections, duration: DURATION, ...rest });
  const row = { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx + result.errors, options };
  console.log(`${row.rps.toFixed(0)} req/s, p50 ${row.p50} ms, p99 ${row.p99} ms${row.non2xx ? `, ${row.non2xx} non-2xx/errors` : ""}`);
  return row;
}

function startServer(env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "serve"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("listening")) resolve(child);
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
}

function runSweep(env: Record<string, string>): Promise<{ swept: number; elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "sweep"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", () => {
      const match = /expired (\d+) bindings in (\d+) ms/.exec(output);
      if (!match) reject(new Error(`sweep printed: ${output}`));
      else resolve({ swept: Number(match[1]), elapsedMs: Number(match[2]) });
    });
  });
}

async function assertion(clientId: string, key: JWK, subject = clientId) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid })
    .setIssuer(clientId)
    .setSubject(subject)
    .setAudience(BASE)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(await importJWK(key, "EdDSA"));
}

async function token(form: Record<string, string>): Promise<string> {
  const response = await fetch(`${BASE}/oauth/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form) });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`token refused: ${JSON.stringify(body)}`);
  return body.access_token;
}

function machineToken(clientId: string, key: JWK) {
  return assertion(clientId, key).then((client_assertion) =>
    token({ grant_type: "client_credentials", client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion }),
  );
}

function report(rows: Row[], baseline: Row, sweep: { agedRows: number; swept: number; elapsedMs: number; sweepRate: number; refreshP99: number }) {
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  const lines = [
    `numbind benchmark — ${N.toLocaleString()} bindings, ${DURATION} s per scenario, ${CONNECTIONS} connections`,
    `machine: ${machine}`,
    "",
    "| scenario | req/s | p50 ms | p99 ms | ratio to baseline |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...rows.map((row) => `| ${row.name} | ${row.rps.toFixed(0)} | ${row.p50} | ${row.p99} | ${(row.rps / baseline.rps).toFixed(2)} |`),
    "",
    `sweeper: ${sweep.swept.toLocaleString()} of ${sweep.agedRows.toLocaleString()} aged bindings expired in ${sweep.elapsedMs} ms = ${Math.round(sweep.sweepRate).toLocaleString()} rows/s; ` +
      `login p99 during the sweep ${rows[rows.length - 1]!.p99} ms vs ${sweep.refreshP99} ms without (${(rows[rows.length - 1]!.p99 / Math.max(sweep.refreshP99, 1)).toFixed(1)}×)`,
  ];
  const text = lines.join("\n");
  console.log(`\n${text}`);
  mkdirSync("bench/results", { recursive: true });
  const stamp = new Date().toISOString().replaceAll(":", "-").slice(0, 19);
  writeFileSync(`bench/results/${stamp}.md`, text + "\n");
  writeFileSync(
    `bench/results/${stamp}.json`,
    JSON.stringify({ bindings: N, duration: DURATION, connections: CONNECTIONS, machine, rows: rows.map(({ options: _o, ...row }) => ({ ...row, ratio: row.rps / baseline.rps })), sweep }, null, 2) + "\n",
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
