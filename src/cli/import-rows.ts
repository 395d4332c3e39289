import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { ImportLine } from "../client/index.js";
import { CliError } from "./args.js";

/** One line of the file: a row to send, or why it cannot be sent. The number never appears in `detail`. */
type FileLine = { line: number; row: ImportLine } | { line: number; code: "INVALID_ARGUMENT"; detail: string };

const COLUMNS = ["phone_number", "account_ref", "verified_at", "last_seen_at"] as const;
type Column = (typeof COLUMNS)[number];

/** RFC 4180 fields of one record; undefined when a quote is left open or text follows a closing quote. */
function splitCsvRecord(record: string): string[] | undefined {
  const fields: string[] = [];
  let at = 0;
  for (;;) {
    if (record[at] === '"') {
      let value = "";
      at++;
      for (;;) {
        const quote = record.indexOf('"', at);
        if (quote === -1) return undefined;
        value += record.slice(at, quote);
        if (record[quote + 1] === '"') {
          value += '"';
          at = quote + 2;
        } else {
          at = quote + 1;
          break;
        }
      }
      fields.push(value);
      if (at === record.length) return fields;
      if (record[at] !== ",") return undefined;
      at++;
    } else {
      const comma = record.indexOf(",", at);
      if (comma === -1) {
        fields.push(record.slice(at));
        return fields;
      }
      fields.push(record.slice(at, comma));
      at = comma + 1;
    }
  }
}

/** The column of each header field, or a CliError naming what is wrong with the header. */
function readHeader(header: string): Column[] {
  const names = splitCsvRecord(header.replace(/^\uFEFF/, ""))?.map((name) => name.trim().toLowerCase());
  const expected = "phone_number,account_ref[,verified_at][,last_seen_at]";
  if (!names) throw new CliError(`the CSV header is not valid CSV; the first line must be ${expected}`);
  for (const name of names) {
    if (!(COLUMNS as readonly string[]).includes(name)) {
      throw new CliError(`the CSV header names an unknown column "${name}"; the first line must be ${expected}`);
    }
  }
  for (const needed of ["phone_number", "account_ref"]) {
    if (!names.includes(needed))
      throw new CliError(`the CSV header has no ${needed} column; the first line must be ${expected}`);
  }
  if (new Set(names).size !== names.length) throw new CliError("the CSV header names a column twice");
  return names as Column[];
}

function csvRow(line: number, text: string, columns: Column[]): FileLine {
  const fields = splitCsvRecord(text);
  if (!fields) return { line, code: "INVALID_ARGUMENT", detail: "is not a CSV record (a quote is not closed)" };
  if (fields.length !== columns.length) {
    return { line, code: "INVALID_ARGUMENT", detail: `has ${fields.length} fields; the header has ${columns.length}` };
  }
  const row: Partial<Record<Column, string>> = {};
  // An empty optional field means "not known": the registry's default applies.
  for (const [index, column] of columns.entries()) if (fields[index] !== "") row[column] = fields[index];
  row.phone_number ??= "";
  row.account_ref ??= "";
  return { line, row: row as ImportLine };
}

function ndjsonRow(line: number, text: string): FileLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { line, code: "INVALID_ARGUMENT", detail: "is not a JSON object" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { line, code: "INVALID_ARGUMENT", detail: "is not a JSON object" };
  }
  // The registry checks the members, line by line.
  return { line, row: value as ImportLine };
}

export interface ImportFile {
  format: "csv" | "ndjson";
  size: number;
  /** Bytes of the lines read so far, for progress. */
  bytesRead(): number;
  /** Non-empty lines from `fromLine` on (the CSV header is read whatever `fromLine` says). */
  lines(): AsyncGenerator<FileLine>;
}

/** Opens a CSV (with a header) or NDJSON file: NDJSON when its first line starts with `{`. */
export async function openImportFile(path: string, size: number, fromLine: number): Promise<ImportFile> {
  const stream = createReadStream(path);
  const reader = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })[Symbol.asyncIterator]();
  const first = await reader.next().catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`${path}: ${error.code === "ENOENT" ? "no such file" : error.message}`);
  });
  if (first.done) throw new CliError(`${path} is empty; give a CSV file with a header, or NDJSON`);
  const firstLine = first.value as string;
  const format = firstLine
    .replace(/^\uFEFF/, "")
    .trimStart()
    .startsWith("{")
    ? "ndjson"
    : "csv";
  let columns: Column[] = [];
  try {
    if (format === "csv") columns = readHeader(firstLine);
  } catch (error) {
    stream.destroy();
    throw error;
  }

  // Counted by the lines handed out, not by what the stream has buffered ahead; a line ending is one byte or two.
  let consumed = Buffer.byteLength(firstLine) + 1;
  async function* lines(): AsyncGenerator<FileLine> {
    const parse = (line: number, text: string) =>
      format === "csv" ? csvRow(line, text, columns) : ndjsonRow(line, text);
    let line = 1;
    try {
      if (format === "ndjson" && fromLine <= 1) {
        yield parse(1, firstLine.replace(/^\uFEFF/, ""));
      }
      for (let next = await reader.next(); !next.done; next = await reader.next()) {
        line++;
        consumed += Buffer.byteLength(next.value) + 1;
        if (line < fromLine || next.value.trim() === "") continue;
        yield parse(line, next.value);
      }
      consumed = size;
    } finally {
      // Also when the caller stops early (a refused batch): the file is closed either way.
      stream.destroy();
    }
  }
  return { format, size, bytesRead: () => Math.min(consumed, size), lines };
}
