import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

// The benchmark's command line: help and wrong options answer before anything is seeded.
const ROOT = new URL("../..", import.meta.url).pathname;
const bench = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "bench/run.ts", ...args], { cwd: ROOT, encoding: "utf8" });

describe("npm run bench -- ...", () => {
  it("--help prints the usage and exits 0", () => {
    const run = bench("--help");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/--out DIR +where the results go/);
    expect(run.stderr).toBe("");
  }, 30_000);

  it("an unknown option or a malformed number prints the usage and exits 2, without a stack", () => {
    for (const [args, message] of [
      [["--bogus"], /^bench: Unknown option '--bogus'/],
      [["--bindings", "ten"], /^bench: --bindings ten is not a positive whole number/],
      [["--duration", "0"], /^bench: --duration 0 is not a positive number/],
    ] as const) {
      const run = bench(...args);
      expect(run.status, args.join(" ")).toBe(2);
      expect(run.stderr, args.join(" ")).toMatch(message);
      expect(run.stderr).toMatch(/npm run bench -- \[options\]/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  }, 60_000);
});
