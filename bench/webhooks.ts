/**
 * Webhook deliveries per second from the outbox, on Node: a fresh SQLite file whose feed holds
 * queued deliveries (written by the feed trigger, as in production), the Node delivery pump and
 * transport, and a receiver in a child process answering 204 over keep-alive HTTP on 127.0.0.1.
 *
 *   npx tsx bench/webhooks.ts [--events 5000] [--endpoints 1,16] [--in-flight 16]
 *
 * It measures the registry's side: claim, read, sign, POST, record, for each delivery.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { migrateSqlite, openSqlite } from "../src/db/better-sqlite3.js";
import { appendToFeeds } from "../src/events/store.js";
import { nodeWebhookTransport } from "../src/runtime/node/webhook-transport.js";
import { DeliveryPump } from "../src/webhooks/dispatch.js";
import { createEndpoint } from "../src/webhooks/store.js";

const { values } = parseArgs({
  options: {
    events: { type: "string", default: "5000" },
    endpoints: { type: "string", default: "1,16" },
    "in-flight": { type: "string", default: "16" },
  },
});
const EVENTS = Number(values.events);
const IN_FLIGHT = Number(values["in-flight"]);

const RECEIVER = `
  const server = require("node:http").createServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(204).end());
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

async function startReceiver() {
  const child = spawn(process.execPath, ["-e", RECEIVER], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve) => child.stdout!.once("data", (data) => resolve(Number(data))));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

async function run(endpoints: number, receiver: string) {
  const directory = mkdtempSync(join(tmpdir(), "numbind-webhooks-bench-"));
  const db = openSqlite(join(directory, "numbind.sqlite"));
  try {
    migrateSqlite(db, new URL("../migrations", import.meta.url).pathname);
    const now = Date.now();
    for (let index = 0; index < endpoints; index++) {
      await createEndpoint(db, now, {
        appId: "app_bench",
        url: `${receiver}/e${index}`,
        eventTypes: null,
        enabled: true,
      });
    }
    const perEndpoint = Math.ceil(EVENTS / endpoints);
    for (let seq = 0; seq < perEndpoint; seq += 100) {
      const rows = Array.from({ length: Math.min(100, perEndpoint - seq) }, (_, offset) => ({
        seq: seq + offset,
        eventKey: `bench-${seq + offset}`,
        appId: "app_bench",
        type: "binding.expired" as const,
        occurredAt: now,
        data: {
          binding_id: `bnd_${seq + offset}`,
          account_ref: `acct-${seq + offset}`,
          phone_number_hint: "+86139****5678",
          reason: "INACTIVITY",
        },
      }));
      await appendToFeeds(db, rows);
    }
    const pump = new DeliveryPump({
      db,
      clock: Date.now,
      transport: nodeWebhookTransport(),
      guarded: false,
      maxInFlight: IN_FLIGHT,
    });
    const started = performance.now();
    const delivered = await pump.drain();
    const seconds = (performance.now() - started) / 1000;
    return { endpoints, delivered, seconds, perSecond: delivered / seconds };
  } finally {
    db.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

const receiver = await startReceiver();
try {
  console.log(`| endpoints | deliveries | seconds | deliveries/s |\n| ---: | ---: | ---: | ---: |`);
  for (const endpoints of values.endpoints.split(",").map(Number)) {
    const result = await run(endpoints, receiver.url);
    console.log(
      `| ${result.endpoints} | ${result.delivered} | ${result.seconds.toFixed(2)} | ${Math.round(result.perSecond)} |`,
    );
  }
} finally {
  receiver.stop();
}
