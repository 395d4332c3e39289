import { appendFileSync, existsSync, statSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { createClient, type ImportLine, type ImportResult, NumbindError } from "../client/index.js";
import { CliError, parseCommand, required, UsageError } from "./args.js";
import { readPrivateJwk } from "./files.js";
import { ImportProgress, processTerminal, type Terminal } from "./import-progress.js";
import { openImportFile } from "./import-rows.js";
import { DEFAULT_URL } from "./remote.js";

export const IMPORT_USAGE = `numbind import FILE --client ID --key FILE [--url URL] [--from-line N] [--rejected FILE]

  FILE             CSV with a header line phone_number,account_ref[,verified_at][,last_seen_at],
                   or NDJSON (one {"phone_number","account_ref","verified_at"?,"last_seen_at"?} a line)
  --client ID      the app's client id
  --key FILE       its private JWK (keygen's --out file)
  --url URL        the running registry (default ${DEFAULT_URL})
  --from-line N    start at line N of FILE (resume where an interrupted import stopped)
  --rejected FILE  where rejected lines go, as line,code,detail (default FILE.rejected.csv);
                   appended to when resuming. It never holds a phone number.
  --batch N        lines per request, 1 to 10000 (default 5000)

Sends FILE in batches to POST /v1/bindings/import: every line follows the PUT /v1/bindings rules,
and importing the same file again changes nothing. A line rejected with NUMBER_RECYCLED names an
account whose number changed hands since it was verified: verify that account again.`;

type Totals = Omit<ImportResult, "errors">;
type Rejection = { line: number; code: string; detail: string };

const csvField = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

function positiveInteger(text: string | undefined, option: string, fallback: number, max = Number.MAX_SAFE_INTEGER) {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) {
    throw new UsageError(`${option} ${text} is not a whole number from 1 to ${max}`, IMPORT_USAGE);
  }
  return value;
}

/** The rejected-lines file: started afresh, or appended to when resuming. */
function rejectedFile(path: string, resuming: boolean) {
  const header = "line,code,detail\n";
  if (!resuming || !existsSync(path)) writeFileSync(path, header);
  return (rejections: Rejection[]) => {
    if (rejections.length === 0) return;
    const text = rejections.map(({ line, code, detail }) => `${line},${csvField(code)},${csvField(detail)}\n`);
    appendFileSync(path, text.join(""));
  };
}

function describeTotals(totals: Totals, lines: number, seconds: number): string {
  const rate = Math.round(lines / Math.max(seconds, 0.001)).toLocaleString("en-US");
  const figures = (["created", "refreshed", "unchanged", "expired", "rejected"] as const)
    .map((name) => `${name} ${totals[name].toLocaleString("en-US")}`)
    .join(", ");
  return `${lines.toLocaleString("en-US")} lines in ${seconds.toFixed(1)} s (${rate} rows/s): ${figures}`;
}

/** `numbind import FILE`: an app's existing bindings, registered in batches over HTTP. */
export async function importCommand(args: string[], terminal: Terminal = processTerminal): Promise<void> {
  const { values, positionals } = parseCommand(
    args,
    IMPORT_USAGE,
    {
      client: { type: "string" },
      key: { type: "string" },
      url: { type: "string" },
      "from-line": { type: "string" },
      rejected: { type: "string" },
      batch: { type: "string" },
    },
    1,
  );
  const path = required(positionals[0], "FILE", IMPORT_USAGE);
  const clientId = required(values.client, "--client ID", IMPORT_USAGE);
  const privateJwk = readPrivateJwk(required(values.key, "--key FILE", IMPORT_USAGE), "--key");
  const fromLine = positiveInteger(values["from-line"], "--from-line", 1);
  const batchSize = positiveInteger(values.batch, "--batch", 5_000, 10_000);
  const rejectedPath = values.rejected ?? `${path}.rejected.csv`;
  if (resolve(rejectedPath) === resolve(path)) throw new UsageError("--rejected must not be FILE itself", IMPORT_USAGE);
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`${path}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }

  const url = values.url ?? DEFAULT_URL;
  let client: ReturnType<typeof createClient>;
  try {
    client = createClient({ issuer: url, clientId, privateJwk });
    // Before reading the file: a wrong address or key is said at once.
    await client.accessToken();
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(`--url ${url}: ${error.message}`, IMPORT_USAGE);
    if (!(error instanceof NumbindError)) throw error;
    const why = error.code === "NETWORK_ERROR" ? error.detail : `${error.code}: ${error.detail}`;
    throw new CliError(`${url} refused a token to client ${clientId} (${why})`);
  }

  const file = await openImportFile(path, size, fromLine);
  const writeRejected = rejectedFile(rejectedPath, values["from-line"] !== undefined);
  const progress = new ImportProgress(terminal, size);
  const totals: Totals = { created: 0, refreshed: 0, unchanged: 0, expired: 0, rejected: 0 };
  let lines = 0;
  let recycled = 0;
  let batch: { line: number; row: ImportLine }[] = [];
  let refusedHere: Rejection[] = [];

  /** Sends the lines read since the last batch, then records what became of them. */
  const flush = async () => {
    const firstLine = Math.min(batch[0]?.line ?? Infinity, refusedHere[0]?.line ?? Infinity);
    if (firstLine === Infinity) return;
    let result: ImportResult = { created: 0, refreshed: 0, unchanged: 0, expired: 0, rejected: 0, errors: [] };
    try {
      if (batch.length > 0) result = await client.bindings.import(batch.map((each) => each.row));
    } catch (error) {
      if (!(error instanceof NumbindError)) throw error;
      progress.finish();
      if (lines > 0)
        terminal.print(`imported before the failure: ${describeTotals(totals, lines, progress.elapsedSeconds())}`);
      throw new CliError(
        `${url} refused lines ${firstLine} and after (${error.code}: ${error.detail}); ` +
          `the lines before ${firstLine} are imported: resume with --from-line ${firstLine}`,
      );
    }
    // The answer numbers the lines of the request; the file's numbers are what a reader can find.
    const refusedThere = result.errors.map((each) => ({ ...each, line: batch[each.line - 1]!.line }));
    const rejections = [...refusedHere, ...refusedThere].sort((a, b) => a.line - b.line);
    writeRejected(rejections);
    for (const name of ["created", "refreshed", "unchanged", "expired"] as const) totals[name] += result[name];
    totals.rejected += rejections.length;
    recycled += refusedThere.filter((each) => each.code === "NUMBER_RECYCLED").length;
    lines += batch.length + refusedHere.length;
    const throughLine = Math.max(batch.at(-1)?.line ?? 0, refusedHere.at(-1)?.line ?? 0);
    batch = [];
    refusedHere = [];
    progress.update({ rows: lines, rejected: totals.rejected, throughLine, bytesRead: file.bytesRead() });
  };

  for await (const each of file.lines()) {
    if ("row" in each) batch.push(each);
    else refusedHere.push(each);
    if (batch.length + refusedHere.length >= batchSize) await flush();
  }
  await flush();
  progress.finish();

  terminal.print(`imported ${describeTotals(totals, lines, progress.elapsedSeconds())}`);
  if (totals.rejected > 0) terminal.print(`rejected lines (line, code, detail): ${rejectedPath}`);
  if (recycled > 0) {
    terminal.print(
      `${recycled.toLocaleString("en-US")} accounts to verify again: their number was reassigned after verified_at (NUMBER_RECYCLED)`,
    );
  }
}
