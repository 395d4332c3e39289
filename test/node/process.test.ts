import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateSigningJwk } from "../../src/auth/keys.js";

// The server as a process manager sees it: started by `npm start` or from the build, stopped by a signal.

const ROOT = new URL("../..", import.meta.url).pathname;

interface Started {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

async function productionEnv(): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), "numbind-process-"));
  return {
    PORT: "0",
    NUMBIND_DB_PATH: join(dir, "numbind.sqlite"),
    NUMBIND_PEPPER: "process-test-pepper-process-test-pepper",
    NUMBIND_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk()] }),
    NUMBIND_SWEEP_INTERVAL: "PT1S",
  };
}

/** Starts a command and waits for the server it runs to say where it listens. */
function start(command: string, args: string[], env: Record<string, string>): Promise<Started> {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" within 30 s:\n${output}`)), 30_000);
    const look = () => {
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off("data", look);
      resolve({ child, port: Number(match[1]), output: () => output, exited });
    };
    child.stdout!.on("data", look);
    void exited.then(() => reject(new Error(`exited before listening:\n${output}`)));
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("stopping the server with a signal", () => {
  it("`npm start` then killing npm stops the server and frees the port", async () => {
    const env = await productionEnv();
    const server = await start("npm", ["start", "--silent"], { ...env, NODE_ENV: "production" });
    expect(await accepts(server.port)).toBe(true);
    server.child.kill("SIGTERM");
    await server.exited;
    for (let waited = 0; (await accepts(server.port)) && waited < 5_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await accepts(server.port)).toBe(false);
    expect(server.output()).toMatch(/SIGTERM: finishing requests in flight, then stopping\nstopped/);
  }, 60_000);

  it("finishes a request in flight before it exits 0", async () => {
    const env = await productionEnv();
    const server = await start(process.execPath, ["--import", "tsx", "src/cli.ts", "serve"], {
      ...env,
      NODE_ENV: "production",
    });
    const body = "grant_type=client_credentials";
    const socket = connect(server.port, "127.0.0.1");
    let answer = "";
    socket.on("data", (chunk) => (answer += chunk));
    const closed = new Promise((resolve) => socket.once("close", resolve));
    socket.write(
      `POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await accepts(server.port)).toBe(false);
    socket.end(body.slice(5));
    await closed;
    // Answered, not cut: the token endpoint read the whole body and refused the missing assertion.
    expect(answer).toMatch(/^HTTP\/1\.1 401 [\s\S]*"error":"invalid_client"/);
    expect(await server.exited).toBe(0);
  }, 60_000);
});

describe.skipIf(!existsSync(join(ROOT, "dist/cli.js")))("the build (npm run build)", () => {
  it("serves with plain node in production, sweeper thread included, and stops on SIGTERM", async () => {
    const env = await productionEnv();
    const server = await start(process.execPath, ["bin/numbind.mjs", "serve"], { ...env, NODE_ENV: "production" });
    const health = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(health.status).toBe(200);
    // Two sweep intervals: a sweeper thread that could not load its code would have said so.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    expect(server.output()).not.toMatch(/sweeper thread failed|tsx/);
  }, 60_000);
});
