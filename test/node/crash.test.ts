import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { JWK } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { generateSigningJwk, publicJwk } from "../../src/auth/keys.js";
import { CLIENT_ASSERTION_TYPE, signClientAssertion } from "../../src/client/assertion.js";

/**
 * kill -9 under write load: the real Node server in a child process, many concurrent binding
 * writes and carrier event batches, SIGKILL mid-load, a restart on the same file. Every write
 * the server acknowledged (a 2xx reached the client) must be there after each restart.
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Each round loads until enough writes were acknowledged (at least a second, at most ten). */
const LOAD_MS = { min: 1_000, max: 10_000 };
const ACKS_PER_ROUND = 150;
const KILLS = 2;
const WRITERS = 12;
const EVENT_BATCH = 20;

const directory = mkdtempSync(join(tmpdir(), "numbind-crash-"));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(directory, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function start(env: Record<string, string>, base: string): Promise<ChildProcess> {
  const server = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "serve"], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  server.stderr!.on("data", (chunk) => (stderr += chunk));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server exited ${server.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return server;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server did not start: ${stderr}`);
}

function killed(server: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    server.once("exit", () => resolve());
    server.kill("SIGKILL");
  });
}

describe("kill -9 under write load", () => {
  it("keeps every acknowledged binding and carrier event across two SIGKILLs", async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const adminKey = await generateSigningJwk();
    const env = {
      NODE_ENV: "production",
      PORT: String(port),
      NUMBIND_ISSUER: base,
      NUMBIND_DB_PATH: join(directory, "numbind.sqlite"),
      NUMBIND_PEPPER: "crash-test-pepper-crash-test-pepper-0123456",
      NUMBIND_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk()] }),
      NUMBIND_BOOTSTRAP_ADMIN_JWKS: JSON.stringify({ keys: [publicJwk(adminKey)] }),
      // The load is the point here, not the budgets.
      NUMBIND_RATE_LIMITS: "off",
    };
    child = await start(env, base);

    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json().catch(() => undefined)) as any };
    };
    const tokenFor = async (clientId: string, privateJwk: JWK) => {
      const response = await fetch(`${base}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_assertion_type: CLIENT_ASSERTION_TYPE,
          client_assertion: await signClientAssertion({ clientId, privateJwk, audience: base }),
        }),
      });
      const body = (await response.json()) as { access_token?: string };
      if (!body.access_token) throw new Error(`no token for ${clientId}: ${JSON.stringify(body)}`);
      return body.access_token;
    };
    const admin = await tokenFor("admin", adminKey);
    const register = async (kind: string, prefixes?: string[]) => {
      const key = await generateSigningJwk();
      const created = await call("POST", "/v1/admin/clients", admin, {
        kind,
        name: `crash-${kind}`,
        jwks: { keys: [publicJwk(key)] },
        ...(prefixes ? { number_prefixes: prefixes } : {}),
      });
      expect(created.status).toBe(201);
      return tokenFor(created.json.id, key);
    };
    const app = await register("app");
    const carrier = await register("carrier", ["+86139"]);

    const bindings = new Map<string, string>();
    const events = new Set<string>();
    let next = 0;
    let unacknowledged = 0;
    const number = (n: number) => `+86139${String(n).padStart(8, "0")}`;
    const occurredAt = new Date(Date.now() - 60_000).toISOString();

    /** Writes until the server stops answering; only a 2xx counts as acknowledged. */
    const writer = async (index: number) => {
      for (;;) {
        const n = next++;
        try {
          if (index % 4 === 0) {
            const batch = Array.from({ length: EVENT_BATCH }, (_, i) => ({
              id: `ev-${n}-${i}`,
              phone_number: number(n * EVENT_BATCH + i),
              type: "suspended",
              occurred_at: occurredAt,
            }));
            const response = await call("POST", "/v1/numbers/events", carrier, { events: batch });
            if (response.status === 200) for (const event of batch) events.add(event.id);
            else unacknowledged++;
          } else {
            const accountRef = `acct-${n}`;
            const response = await call("PUT", "/v1/bindings", app, {
              phone_number: number(n),
              account_ref: accountRef,
            });
            if (response.status === 201) bindings.set(response.json.id, accountRef);
            else unacknowledged++;
          }
        } catch {
          return; // the server is gone: whatever was in flight was never acknowledged
        }
      }
    };

    for (let round = 0; round < KILLS; round++) {
      const writers = Array.from({ length: WRITERS }, (_, index) => writer(index));
      const started = Date.now();
      const [bindingsBefore, eventsBefore] = [bindings.size, events.size];
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const elapsed = Date.now() - started;
        const enough = bindings.size - bindingsBefore >= ACKS_PER_ROUND && events.size - eventsBefore >= ACKS_PER_ROUND;
        if (elapsed >= LOAD_MS.max || (elapsed >= LOAD_MS.min && enough)) break;
      }
      await killed(child);
      await Promise.all(writers);
      child = await start(env, base);
    }

    const missingBindings: string[] = [];
    const ids = [...bindings.keys()];
    for (let from = 0; from < ids.length; from += 16) {
      await Promise.all(
        ids.slice(from, from + 16).map(async (id) => {
          const found = await call("GET", `/v1/bindings/${id}`, app);
          if (found.status !== 200 || found.json.account_ref !== bindings.get(id)) missingBindings.push(id);
        }),
      );
    }
    const missingEvents: string[] = [];
    const eventIds = [...events];
    for (let from = 0; from < eventIds.length; from += 500) {
      const batch = eventIds.slice(from, from + 500).map((id) => {
        const [, n, i] = id.split("-").map(Number);
        return { id, phone_number: number(n! * EVENT_BATCH + i!), type: "suspended", occurred_at: occurredAt };
      });
      const resent = await call("POST", "/v1/numbers/events", carrier, { events: batch });
      expect(resent.status).toBe(200);
      for (const result of resent.json.results) if (result.status !== "duplicate") missingEvents.push(result.id);
    }
    console.log(
      `kill -9 ×${KILLS}: ${bindings.size} acknowledged bindings and ${events.size} acknowledged carrier events checked after restart (${unacknowledged} non-2xx answers)`,
    );
    expect(bindings.size).toBeGreaterThan(50);
    expect(events.size).toBeGreaterThan(50);
    expect(missingBindings).toEqual([]);
    expect(missingEvents).toEqual([]);
  }, 90_000);
});
