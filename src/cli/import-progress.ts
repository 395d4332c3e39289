/** Where the import command writes, and how it tells time: the process's, or a test's. */
export interface Terminal {
  /** A line on standard output (the totals). */
  print(line: string): void;
  /** Raw text on standard error (progress). */
  write(text: string): void;
  /** Whether standard error is a terminal: a bar redrawn in place, else a line per batch. */
  isTTY: boolean;
  columns: number;
  now(): number;
}

export const processTerminal: Terminal = {
  print: (line) => console.log(line),
  write: (text) => void process.stderr.write(text),
  isTTY: process.stderr.isTTY === true,
  columns: process.stderr.columns ?? 80,
  now: () => performance.now(),
};

const count = (value: number) => Math.round(value).toLocaleString("en-US");

function clock(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const [hours, minutes, rest] = [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), whole % 60];
  const two = (value: number) => String(value).padStart(2, "0");
  return hours > 0 ? `${hours}:${two(minutes)}:${two(rest)}` : `${minutes}:${two(rest)}`;
}

export interface Done {
  /** Rows answered by the registry so far (sent, whatever the outcome), and lines refused locally or remotely. */
  rows: number;
  rejected: number;
  /** The last file line answered: the run can resume after it. */
  throughLine: number;
  bytesRead: number;
}

/**
 * Progress of an import: rows/s since the start, and the share of the file read (by bytes, so no
 * counting pass is needed) with the time left at the rate of the bytes read since the first batch.
 */
export class ImportProgress {
  readonly #terminal: Terminal;
  readonly #size: number;
  readonly #startedAt: number;
  #first: { at: number; bytes: number } | undefined;
  #drawn = false;

  constructor(terminal: Terminal, size: number) {
    this.#terminal = terminal;
    this.#size = size;
    this.#startedAt = terminal.now();
  }

  elapsedSeconds(): number {
    return (this.#terminal.now() - this.#startedAt) / 1000;
  }

  update(done: Done): void {
    const now = this.#terminal.now();
    const rate = done.rows / Math.max(this.elapsedSeconds(), 0.001);
    const share = this.#size > 0 ? Math.min(1, done.bytesRead / this.#size) : 1;
    let eta = "--:--";
    if (done.bytesRead >= this.#size) eta = clock(0);
    else if (this.#first && done.bytesRead > this.#first.bytes) {
      const bytesPerMs = (done.bytesRead - this.#first.bytes) / (now - this.#first.at || 1);
      eta = clock((this.#size - done.bytesRead) / bytesPerMs / 1000);
    }
    this.#first ??= { at: now, bytes: done.bytesRead };
    const percent = `${Math.floor(share * 100)}%`;
    const figures = `${count(done.rows)} rows  ${count(rate)} rows/s  ${count(done.rejected)} rejected`;
    if (this.#terminal.isTTY) {
      const width = Math.max(10, Math.min(40, this.#terminal.columns - figures.length - 20));
      const filled = Math.round(share * width);
      const bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
      this.#terminal.write(`\r\x1b[2K${bar} ${percent.padStart(4)}  ${figures}  ETA ${eta}`);
      this.#drawn = true;
    } else {
      this.#terminal.write(`through line ${done.throughLine}: ${figures}, ${percent} of the file read\n`);
    }
  }

  /** Ends the bar's line, so what follows starts on its own. */
  finish(): void {
    if (this.#drawn) this.#terminal.write("\n");
    this.#drawn = false;
  }
}
