// npx tsx scripts/sim-shards.ts [--numbers 10000000] [--bindings 200000] [--batches 200] [--json FILE]
// Simulates the Workers number shards (docs/scale-out.md): balance of HMAC-prefix sharding, the
// fan-out of a carrier batch, and the bytes a binding takes in the shard schema, measured on a real
// SQLite file migrated with ./migrations; then prints the capacity arithmetic for 10^10 bindings.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { migrateSqlite, openSqlite } from "../src/db/better-sqlite3.js";
import { newId } from "../src/ids.js";
import { hashPhone, maskPhone } from "../src/phone.js";

const SHARD_COUNTS = [64, 256, 1024];
const MAX_BITS = 10; // counts are kept at 1024 shards; coarser layouts are unions of their prefixes
const BATCH = 1000; // numbers in one carrier batch (the API's limit)
// Capacity assumptions, stated in the output and in docs/scale-out.md.
const BINDINGS_TOTAL = 1e10;
const NUMBERS_TOTAL = 1e9;
const OBJECT_BYTES = 10e9; // SQLite storage per Durable Object (10 GB, decimal to be safe)
const FILL = 0.5; // fill objects to half: ended bindings are kept, plus outbox, carrier events, skew
const OBJECT_RPS = 1000; // soft limit of one Durable Object
const UTILISATION = 0.5; // plan the peak at half an object's limit, so a hot shard still keeps up
const PEAK_RPS = 500_000; // national login peak ("several 10^5 requests/s")

// Chinese mobile prefixes (all three operators) plus other countries, so inputs look like the
// real mix; HMAC should make the shape of the input irrelevant, and this checks that it does.
const CN =
  "130 131 132 133 134 135 136 137 138 139 145 147 150 151 152 153 155 156 157 158 159 162 165 166 167 170 171 172 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 190 191 192 193 195 196 197 198 199".split(
    " ",
  );
const CHINA_MOBILE = "134 135 136 137 138 139 147 150 151 152 157 158 159 178 182 183 184 187 188 198".split(" ");
const OTHERS: Array<[prefix: () => string, digits: number]> = [
  [() => `+1${pick("201 212 213 305 312 415 469 512 617 646 702 713 718 773 917")}${2 + rnd(8)}`, 6], // US
  [() => `+91${6 + rnd(4)}`, 9], // India mobile
  [() => `+447${pick("4 5 7 8 9")}`, 8], // UK mobile
  [() => `+81${pick("70 80 90")}${1 + rnd(9)}`, 7], // Japan mobile
  [() => `+62${pick("811 812 813 821 822 852 853 857 858 878")}`, 8], // Indonesia mobile
];

const rnd = (n: number): number => Math.floor(Math.random() * n);
const digits = (n: number): string => String(rnd(10 ** n)).padStart(n, "0");
const pick = (words: string): string => words.split(" ")[rnd(words.split(" ").length)]!;
function randomNumber(): string {
  if (Math.random() < 0.9) return `+86${CN[rnd(CN.length)]}${digits(8)}`;
  const [prefix, n] = OTHERS[rnd(OTHERS.length)]!;
  return prefix() + digits(n);
}

const B64URL = new Int8Array(128).fill(-1);
for (const [i, c] of [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"].entries()) {
  B64URL[c.charCodeAt(0)] = i;
}

/** The number's shard among 2^bits (bits ≤ 24): the first bits of its stored base64url HMAC. */
function shardOf(hash: string, bits: number): number {
  let value = 0;
  for (let i = 0; i < 4; i++) value = (value << 6) | B64URL[hash.charCodeAt(i)]!;
  return value >>> (24 - bits);
}

// A worker thread does not inherit tsx's loader (Node 20): it registers tsx, then loads this file.
const THREAD_BOOT = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})
  .then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;

async function balance(pepper: string, numbers: number) {
  const threads = Math.max(1, availableParallelism());
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const count = Math.floor(numbers / threads) + (t < numbers % threads ? 1 : 0);
      const worker = new Worker(THREAD_BOOT, { eval: true, workerData: { pepper, count } });
      return new Promise<Uint32Array>((resolve, reject) => worker.once("message", resolve).once("error", reject));
    }),
  );
  const counts = new Uint32Array(1 << MAX_BITS);
  for (const part of parts) for (const [i, c] of part.entries()) counts[i]! += c;
  return SHARD_COUNTS.map((shards) => {
    // A coarser layout's shard is the union of the finer shards that share its leading bits.
    const sizes = new Array<number>(shards).fill(0);
    for (const [i, c] of counts.entries()) sizes[i >>> (MAX_BITS - Math.log2(shards))]! += c;
    const mean = numbers / shards;
    const sd = Math.sqrt(sizes.reduce((s, x) => s + (x - mean) ** 2, 0) / shards);
    // A uniform hash gives binomial counts: sd/mean = sqrt((shards - 1) / numbers).
    return {
      shards,
      mean,
      max: Math.max(...sizes) / mean,
      min: Math.min(...sizes) / mean,
      sdOverMean: sd / mean,
      binomialSdOverMean: Math.sqrt((shards - 1) / numbers),
    };
  });
}

/** A carrier batch: 1000 distinct numbers under the carrier's prefixes, or under one 10k block. */
function fanOut(pepper: string, batches: number, draw: () => string) {
  const hashed = Array.from({ length: batches }, () => {
    const batch = new Set<string>();
    while (batch.size < BATCH) batch.add(draw());
    return [...batch].map((e164) => hashPhone(pepper, e164));
  });
  return SHARD_COUNTS.map((shards) => {
    let touched = 0,
      meanPerCall = 0,
      maxPerCall = 0;
    for (const batch of hashed) {
      // The Worker groups a batch by shard and makes one call per shard touched.
      const perShard = new Map<number, number>();
      for (const hash of batch) {
        const shard = shardOf(hash, Math.log2(shards));
        perShard.set(shard, (perShard.get(shard) ?? 0) + 1);
      }
      touched += perShard.size;
      meanPerCall += BATCH / perShard.size;
      maxPerCall = Math.max(maxPerCall, ...perShard.values());
    }
    const expected = shards * (1 - (1 - 1 / shards) ** BATCH); // distinct shards for uniform hashes
    return {
      shards,
      touched: touched / batches,
      expectedTouched: expected,
      meanPerCall: meanPerCall / batches,
      maxPerCall,
    };
  });
}

/** Writes realistic bindings into a migrated SQLite file and measures the bytes they take. */
function bytesPerBinding(pepper: string, bindings: number) {
  const dir = mkdtempSync(join(tmpdir(), "numbind-sim-"));
  try {
    const db = openSqlite(join(dir, "shard.sqlite"));
    migrateSqlite(db, fileURLToPath(new URL("../migrations", import.meta.url)));
    const sql = db.client;
    // 10 bindings per number, as in the national figures (10^10 bindings over 10^9 numbers).
    const phones = Array.from({ length: Math.ceil(bindings / 10) }, () => {
      const e164 = `+86${CN[rnd(CN.length)]}${digits(8)}`;
      return { hash: hashPhone(pepper, e164), hint: maskPhone(e164) };
    });
    const apps = Array.from({ length: 200 }, () => newId("app"));
    const now = Date.now(),
      DAY = 86_400_000;
    const insertBinding = sql.prepare("INSERT INTO bindings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const insertNumber = sql.prepare("INSERT OR IGNORE INTO numbers VALUES (?, 'active', ?, ?, NULL, ?)");
    sql.transaction(() => {
      for (let i = 0; i < bindings; i++) {
        const phone = phones[rnd(phones.length)]!;
        const r = Math.random();
        // Apps name accounts differently: "user-1234567", a 10-digit number, or a UUID.
        const accountRef = r < 0.6 ? `user-${digits(7)}` : r < 0.85 ? digits(10) : crypto.randomUUID();
        const boundAt = now - rnd(3 * 365) * DAY - rnd(DAY);
        // Ended bindings stay in the table (they answer "was it bound?"), so a share of rows is ended.
        const ended = Math.random() < 0.15;
        const lastSeen = ended ? boundAt + rnd(365) * DAY : now - rnd(90) * DAY;
        insertBinding.run(
          newId("bnd"),
          apps[rnd(apps.length)],
          phone.hash,
          phone.hint,
          accountRef,
          ended ? "expired" : "active",
          boundAt,
          boundAt,
          lastSeen,
          ended ? lastSeen + 90 * DAY : null,
          ended ? "INACTIVITY" : null,
        );
      }
      for (const phone of phones)
        insertNumber.run(phone.hash, now - rnd(365) * DAY, Math.random() < 0.1 ? now - rnd(365) * DAY : null, now);
    })();
    const measure = () => {
      sql.pragma("wal_checkpoint(TRUNCATE)");
      const trees = sql.prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name").all() as Array<{
        name: string;
        bytes: number;
      }>;
      const owners = new Map(
        (
          sql.prepare("SELECT name, tbl_name FROM sqlite_schema").all() as Array<{ name: string; tbl_name: string }>
        ).map((r) => [r.name, r.tbl_name]),
      );
      const ofTable = (table: string) => trees.filter((t) => owners.get(t.name) === table);
      const sum = (rows: Array<{ bytes: number }>) => rows.reduce((s, t) => s + t.bytes, 0);
      return {
        fileBytes: statSync(join(dir, "shard.sqlite")).size,
        bindingsTrees: ofTable("bindings").map((t) => ({ name: t.name, bytesPerBinding: t.bytes / bindings })),
        bindingsBytes: sum(ofTable("bindings")),
        numbersBytes: sum(ofTable("numbers")),
      };
    };
    const written = measure(); // as a live shard's file grows: index pages split and are partly full
    sql.exec("VACUUM");
    const vacuumed = measure(); // every b-tree rebuilt packed: the floor, which a live shard never sees
    db.close();
    return { bindings, numbers: phones.length, written, vacuumed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function capacity(bytesPerBindingWritten: number) {
  const totalBytes = BINDINGS_TOTAL * bytesPerBindingWritten;
  const byStorage = Math.ceil(totalBytes / (OBJECT_BYTES * FILL));
  // The 50% utilisation is the headroom for skew and bursts (skew at 10^9 numbers is < 1%).
  const byRequests = Math.ceil(PEAK_RPS / (OBJECT_RPS * UTILISATION));
  const recommended = 2 ** Math.ceil(Math.log2(Math.max(byStorage, byRequests)));
  const rows = [256, 512, 1024, 2048, 4096].map((shards) => ({
    shards,
    gbPerShard: totalBytes / shards / 1e9,
    fill: totalBytes / shards / OBJECT_BYTES,
    peakServed: shards * OBJECT_RPS * UTILISATION,
    perShardAtPeak: PEAK_RPS / shards,
  }));
  return { totalBytes, byStorage, byRequests, recommended, rows };
}

const f = (x: number, d = 2) => x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const n = (x: number) => Math.round(x).toLocaleString("en-US");
function table(head: string[], rows: Array<Array<string | number>>): void {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  for (const [i, r] of cells.entries()) {
    console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "));
    if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
  console.log();
}

async function main() {
  const { values } = parseArgs({
    options: {
      numbers: { type: "string", default: "10000000" },
      bindings: { type: "string", default: "200000" },
      batches: { type: "string", default: "200" },
      json: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help)
    return console.log(
      "usage: npx tsx scripts/sim-shards.ts [--numbers 10000000] [--bindings 200000] [--batches 200] [--json FILE]",
    );
  const started = performance.now();
  const pepper = randomBytes(32).toString("base64url");
  // shardOf reads the stored base64url form; check it against the raw digest bits once.
  const sample = hashPhone(pepper, "+8613912345678");
  if (shardOf(sample, 16) !== Buffer.from(sample, "base64url").readUInt16BE(0))
    throw new Error("shardOf disagrees with the digest");

  const numbers = Number(values.numbers),
    batches = Number(values.batches);
  console.log(
    `numbind shard simulation: ${n(numbers)} numbers, ${n(Number(values.bindings))} bindings, ${batches} batches, ${availableParallelism()} threads\n`,
  );
  console.log(`Balance: shard = first k bits of HMAC-SHA256(random pepper, e164); 90% +86 mobile, 10% other countries`);
  const bal = await balance(pepper, numbers);
  table(
    ["shards", "numbers/shard", "largest/mean", "smallest/mean", "sd/mean", "binomial sd/mean"],
    bal.map((b) => [b.shards, n(b.mean), f(b.max, 4), f(b.min, 4), f(b.sdOverMean, 4), f(b.binomialSdOverMean, 4)]),
  );

  const block = `+861391234`; // one 10,000-number block, as a city's recycled numbers would be
  const fan = [
    {
      name: "China Mobile prefixes",
      rows: fanOut(pepper, batches, () => `+86${CHINA_MOBILE[rnd(CHINA_MOBILE.length)]}${digits(8)}`),
    },
    { name: `one block ${block}xxxx`, rows: fanOut(pepper, batches, () => `${block}${digits(4)}`) },
  ];
  for (const { name, rows } of fan) {
    console.log(`Fan-out of a ${BATCH}-number carrier batch (${name}), mean over ${batches} batches`);
    table(
      ["shards", "shards touched", "uniform expects", "numbers/call mean", "numbers/call max"],
      rows.map((r) => [r.shards, f(r.touched, 1), f(r.expectedTouched, 1), f(r.meanPerCall, 2), r.maxPerCall]),
    );
  }

  const bytes = bytesPerBinding(pepper, Number(values.bindings));
  const per = (x: number) => f(x / bytes.bindings, 1);
  console.log(
    `Bytes per binding: ${n(bytes.bindings)} bindings over ${n(bytes.numbers)} numbers in a SQLite file migrated with ./migrations`,
  );
  table(
    ["b-tree (dbstat)", "as written B/binding", "after VACUUM B/binding"],
    [
      ...bytes.written.bindingsTrees.map((t, i) => [
        t.name,
        f(t.bytesPerBinding, 1),
        f(bytes.vacuumed.bindingsTrees[i]!.bytesPerBinding, 1),
      ]),
      ["bindings + indexes", per(bytes.written.bindingsBytes), per(bytes.vacuumed.bindingsBytes)],
      ["numbers rows (1 per 10 bindings)", per(bytes.written.numbersBytes), per(bytes.vacuumed.numbersBytes)],
      ["whole file", per(bytes.written.fileBytes), per(bytes.vacuumed.fileBytes)],
    ],
  );

  const perBinding = bytes.written.fileBytes / bytes.bindings;
  const cap = capacity(perBinding);
  console.log(
    `Capacity for ${n(BINDINGS_TOTAL)} bindings / ${n(NUMBERS_TOTAL)} numbers at ${f(perBinding, 1)} B/binding (whole file as written): ${f(cap.totalBytes / 1e12, 2)} TB`,
  );
  console.log(
    `Object: ${OBJECT_BYTES / 1e9} GB filled to ${FILL * 100}%; ${n(OBJECT_RPS)} req/s planned at ${UTILISATION * 100}%; login peak ${n(PEAK_RPS)} req/s`,
  );
  table(
    ["shards", "GB/shard", "of 10 GB", "req/s/shard at peak", "peak served at 50%"],
    cap.rows.map((r) => [r.shards, f(r.gbPerShard, 2), `${f(r.fill * 100, 0)}%`, n(r.perShardAtPeak), n(r.peakServed)]),
  );
  console.log(`shards needed: ${n(cap.byStorage)} for storage, ${n(cap.byRequests)} for the peak`);
  console.log(`recommended NUMBIND_SHARDS: ${cap.recommended}`);
  const seconds = (performance.now() - started) / 1000;
  console.log(`\nfinished in ${f(seconds, 1)} s`);
  if (values.json)
    writeFileSync(
      values.json,
      JSON.stringify(
        { date: new Date().toISOString(), seconds, balance: bal, fanOut: fan, bytes, capacity: cap },
        null,
        2,
      ),
    );
}

// HMAC is the cost (~5 µs a number), so the balance run is split over worker threads.
if (!isMainThread) {
  const { pepper, count } = workerData as { pepper: string; count: number };
  const counts = new Uint32Array(1 << MAX_BITS);
  for (let i = 0; i < count; i++) counts[shardOf(hashPhone(pepper, randomNumber()), MAX_BITS)]!++;
  parentPort!.postMessage(counts);
} else {
  await main();
}
