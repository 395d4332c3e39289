import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateSigningJwk } from "../../src/auth/keys.js";
import { CliError, UsageError } from "../../src/cli/args.js";
import { importCommand } from "../../src/cli/import.js";
import type { Terminal } from "../../src/cli/import-progress.js";
import { type Registered, startRegistry } from "./running-registry.js";

// `numbind import FILE` end to end: a file on disk, the real server over HTTP, what the user sees.

let registry: Awaited<ReturnType<typeof startRegistry>>;
let dir: string;
let app: Registered & { keyFile: string };
let carrier: Registered;

beforeAll(async () => {
  registry = await startRegistry();
  carrier = await registry.register("carrier", {
    number_prefixes: ["+86137"],
    reporting_since: "2020-01-01T00:00:00Z",
  });
});
afterAll(() => registry.close());
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "numbind-import-"));
  const registered = await registry.register("app");
  const keyFile = join(dir, "app-key.json");
  writeFileSync(keyFile, JSON.stringify(registered.privateJwk));
  app = { ...registered, keyFile };
});

let serial = 20_000_000;
const number = () => `+86137${serial++}`;

/** A terminal that keeps what is written, on a clock that moves 100 ms a reading. */
function terminal(isTTY = false) {
  const printed: string[] = [];
  const progress: string[] = [];
  let now = 0;
  const screen: Terminal = {
    print: (line) => void printed.push(line),
    write: (text) => void progress.push(text),
    isTTY,
    columns: 100,
    now: () => {
      now += 100;
      return now;
    },
  };
  return { screen, printed, progress: () => progress.join("") };
}

function write(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join("\n")}\n`);
  return path;
}

const importing = (file: string, ...options: string[]) => [
  file,
  "--client",
  app.id,
  "--key",
  app.keyFile,
  "--url",
  registry.issuer,
  ...options,
];

async function bindingsOf(client = app.client) {
  const all = [];
  for await (const binding of client.bindings.list({ limit: 100 })) all.push(binding);
  return all;
}

describe("numbind import", () => {
  it("imports a CSV in batches, lists rejected lines by number and reason, and changes nothing the second time", async () => {
    const recycled = number();
    await app.client.bindings.put({
      phone_number: recycled,
      account_ref: "old-owner",
      verified_at: "2025-01-01T00:00:00Z",
    });
    await carrier.client.numbers.reportEvents([
      {
        id: `${app.id}-r`,
        phone_number: recycled,
        type: "reassigned",
        occurred_at: new Date(Date.now() - 60_000).toISOString(),
      },
    ]);
    const phones = [number(), number(), number(), number()];
    const file = write("accounts.csv", [
      "account_ref,phone_number,verified_at,last_seen_at",
      `"user, the first",${phones[0]},2025-06-01T00:00:00Z,`,
      `user-2,${phones[1]},,`,
      "",
      `user-3,not-a-number,,`,
      `user-4,${phones[2]},,2020-01-01T00:00:00Z`,
      `user-5,${phones[3]}`,
      `"old-owner",${recycled},2025-01-01T00:00:00Z,`,
      `"broken,${phones[3]},,`,
    ]);
    const { screen, printed, progress } = terminal();
    await importCommand(importing(file, "--batch", "2"), screen);

    expect(printed[0]).toMatch(
      /^imported 7 lines in [\d.]+ s \([\d,]+ rows\/s\): created 2, refreshed 0, unchanged 0, expired 1, rejected 4$/,
    );
    expect(printed[1]).toBe(`rejected lines (line, code, detail): ${file}.rejected.csv`);
    expect(printed[2]).toMatch(/^1 accounts to verify again: .*NUMBER_RECYCLED/);
    // A plain line per batch, each naming the last line done: where a rerun could resume.
    expect(progress().trimEnd().split("\n")).toEqual([
      expect.stringMatching(/^through line 3: 2 rows +[\d,]+ rows\/s +0 rejected, \d+% of the file read$/),
      expect.stringMatching(/^through line 6: 4 rows .* 1 rejected/),
      expect.stringMatching(/^through line 8: 6 rows .* 3 rejected/),
      expect.stringMatching(/^through line 9: 7 rows .* 4 rejected/),
    ]);
    const rejected = readFileSync(`${file}.rejected.csv`, "utf8");
    expect(rejected.trimEnd().split("\n")).toEqual([
      "line,code,detail",
      expect.stringMatching(/^5,INVALID_ARGUMENT,.*phone_number/),
      expect.stringMatching(/^7,INVALID_ARGUMENT,has 2 fields; the header has 4$/),
      expect.stringMatching(/^8,NUMBER_RECYCLED,/),
      "9,INVALID_ARGUMENT,is not a CSV record (a quote is not closed)",
    ]);
    expect(rejected).not.toMatch(/\+?86137|not-a-number/);

    const stored = await bindingsOf();
    expect(stored.map((binding) => [binding.account_ref, binding.status]).sort()).toEqual([
      ["old-owner", "unbound"],
      ["user, the first", "active"],
      ["user-2", "active"],
      ["user-4", "expired"],
    ]);

    const again = terminal();
    await importCommand(importing(file), again.screen);
    expect(again.printed[0]).toMatch(/created 0, refreshed 0, unchanged 3, expired 0, rejected 4$/);
  });

  it("resumes from a line, appending to the rejected lines", async () => {
    const file = write("accounts.ndjson", [
      JSON.stringify({ phone_number: number(), account_ref: "a" }),
      "not json",
      JSON.stringify({ phone_number: number(), account_ref: "b" }),
      JSON.stringify({ phone_number: number(), account_ref: "c", extra: 1 }),
      JSON.stringify({ phone_number: number(), account_ref: "d" }),
    ]);
    const rejectedFile = join(dir, "rejected.csv");
    await importCommand(importing(file, "--rejected", rejectedFile, "--batch", "2"), terminal().screen);
    writeFileSync(rejectedFile, readFileSync(rejectedFile, "utf8").split("\n").slice(0, 2).join("\n") + "\n");

    const { screen, printed } = terminal();
    await importCommand(importing(file, "--rejected", rejectedFile, "--from-line", "3"), screen);
    expect(printed[0]).toMatch(/^imported 3 lines .*: created 0, refreshed 0, unchanged 2, expired 0, rejected 1$/);
    expect(readFileSync(rejectedFile, "utf8").trimEnd().split("\n")).toEqual([
      "line,code,detail",
      "2,INVALID_ARGUMENT,is not a JSON object",
      expect.stringMatching(/^4,INVALID_ARGUMENT,.*extra/),
    ]);
    expect((await bindingsOf()).map((binding) => binding.account_ref).sort()).toEqual(["a", "b", "d"]);
  });

  it("draws a progress bar with rows/s and the time left on a terminal", async () => {
    const file = write("many.csv", [
      "phone_number,account_ref",
      ...Array.from({ length: 30 }, (_, index) => `${number()},user-${index}`),
    ]);
    const { screen, progress } = terminal(true);
    await importCommand(importing(file, "--batch", "10"), screen);
    const frames = progress().split("\r\x1b[2K").filter(Boolean);
    expect(frames).toHaveLength(3);
    expect(frames[0]).toMatch(/^\[#*-*\] +\d+% {2}10 rows {2}[\d,]+ rows\/s {2}0 rejected {2}ETA --:--$/);
    expect(frames[2]).toMatch(/^\[#{10,}\] 100% {2}30 rows .* ETA 0:00\n$/);
  });

  it("stops at a refused batch and says which line to resume from", async () => {
    const file = write("huge.csv", [
      "phone_number,account_ref",
      `${number()},fine-1`,
      `${number()},fine-2`,
      `${number()},${"x".repeat(5 * 1024 * 1024)}`,
      `${number()},after`,
    ]);
    const { screen, printed } = terminal();
    const failure = await importCommand(importing(file, "--batch", "2"), screen).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as Error).message).toMatch(
      /refused lines 4 and after \(PAYLOAD_TOO_LARGE: .*\); the lines before 4 are imported: resume with --from-line 4$/,
    );
    expect(printed[0]).toMatch(/^imported before the failure: 2 lines .* created 2/);
  });

  it("says what is wrong before reading the file", async () => {
    const file = write("a.csv", ["phone_number,account_ref"]);
    const stranger = join(dir, "stranger.json");
    writeFileSync(stranger, JSON.stringify(await generateSigningJwk()));
    const fails = (args: string[]) =>
      importCommand(args, terminal().screen).then(
        () => new Error("succeeded"),
        (error: unknown) => error as Error,
      );

    const wrongKey = await fails([file, "--client", app.id, "--key", stranger, "--url", registry.issuer]);
    expect(wrongKey.message).toMatch(new RegExp(`refused a token to client ${app.id} \\(invalid_client: `));
    expect((await fails(importing(join(dir, "missing.csv")))).message).toMatch(/missing\.csv: no such file/);
    expect(await fails(importing(file, "--batch", "20000"))).toBeInstanceOf(UsageError);
    expect((await fails(importing(file, "--rejected", file))).message).toBe("--rejected must not be FILE itself");
    const badHeader = write("b.csv", ["phone,account_ref"]);
    expect((await fails(importing(badHeader))).message).toMatch(/unknown column "phone"/);
    expect((await fails(["--client", "x", "--key", app.keyFile])).message).toBe("FILE is required");
  });
});
