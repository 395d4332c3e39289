import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { JWK } from "jose";
import { Webhook } from "standardwebhooks";
import { afterAll, describe, expect, it } from "vitest";
import { generateSigningJwk, publicJwk } from "../../src/auth/keys.js";
import { CLIENT_ASSERTION_TYPE, signClientAssertion } from "../../src/client/assertion.js";

/**
 * kill -9 between commit and delivery: the real Node server in a child process, its webhook
 * receiver holding the first delivery unanswered, SIGKILL, a restart on the same file. Every event
 * the feed committed reaches the receiver after the restart, in feed order, signed.
 */
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const directory = mkdtempSync(join(tmpdir(), "numbind-webhooks-crash-"));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(directory, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
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

async function until<T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Received {
  headers: Record<string, string>;
  body: string;
}

describe("kill -9 between commit and delivery", () => {
  it("delivers every committed event after a restart, in feed order", { timeout: 120_000 }, async () => {
    // The receiver: while `holding`, it takes requests and never answers them.
    const received: Received[] = [];
    const held: ServerResponse[] = [];
    let holding = true;
    const receiver = createServer((request: IncomingMessage, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        received.push({ headers: request.headers as Record<string, string>, body });
        if (holding) held.push(response);
        else response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const adminKey = await generateSigningJwk();
    // Outside production: the receiver is plain http on 127.0.0.1.
    const env = {
      NODE_ENV: "development",
      PORT: String(port),
      NUMBIND_ISSUER: base,
      NUMBIND_DB_PATH: join(directory, "numbind.sqlite"),
      NUMBIND_PEPPER: "webhook-crash-pepper-webhook-crash-pepper-01",
      NUMBIND_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk()] }),
      NUMBIND_BOOTSTRAP_ADMIN_JWKS: JSON.stringify({ keys: [publicJwk(adminKey)] }),
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
      return ((await response.json()) as { access_token: string }).access_token;
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
      return tokenFor(created.json.id, key);
    };
    const app = await register("app");
    const carrier = await register("carrier", ["+86139"]);
    const endpoint = await call("POST", "/v1/webhooks", app, { url: receiverUrl });
    expect(endpoint.status).toBe(201);

    // Three events committed to the feed; the first delivery is taken and never answered.
    for (const [i, number] of ["+8613912345678", "+8613912345679"].entries()) {
      const bound = await call("PUT", "/v1/bindings", app, { phone_number: number, account_ref: `a${i}` });
      expect((await call("DELETE", `/v1/bindings/${bound.json.id}`, app)).status).toBe(204);
    }
    await call("PUT", "/v1/bindings", app, { phone_number: "+8613912345680", account_ref: "a2" });
    const reported = await call("POST", "/v1/numbers/events", carrier, {
      events: [
        { id: "d1", phone_number: "+8613912345680", type: "deactivated", occurred_at: new Date().toISOString() },
      ],
    });
    expect(reported.status).toBe(200);
    const feed = (await call("GET", "/v1/events", app)).json.items as { id: number }[];
    expect(feed).toHaveLength(3);
    await until("the first delivery in flight", () => (held.length > 0 ? true : undefined));
    expect(received).toHaveLength(1);

    await killed(child);
    for (const response of held) response.destroy();
    holding = false;
    child = await start(env, base);

    await until("every event after the restart", () => (received.length >= 4 ? true : undefined));
    const secret = endpoint.json.secret as string;
    const ids = received.map((entry) => entry.headers["webhook-id"]);
    // At least once: the one in flight at the kill comes again, with the same webhook-id.
    expect(ids).toEqual([feed[0]!.id, ...feed.map((item) => item.id)].map(String));
    for (const [index, entry] of received.slice(1).entries()) {
      expect(new Webhook(secret).verify(entry.body, entry.headers)).toEqual(feed[index]);
    }
    const attempts = (await call("GET", `/v1/webhooks/${endpoint.json.id}/attempts`, app)).json.items;
    expect(attempts.map((attempt: { status: string }) => attempt.status)).toEqual([
      "succeeded",
      "succeeded",
      "succeeded",
    ]);
    await killed(child);
    child = undefined;
    receiver.closeAllConnections();
    receiver.close();
  });
});
