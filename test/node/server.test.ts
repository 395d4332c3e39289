import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSigningJwk } from "../../src/auth/keys.js";
import { parseEnvironment, resolveConfig } from "../../src/config.js";
import { type NodeServer, startNodeServer } from "../../src/runtime/node/server.js";

// The Node entry over real HTTP: what @hono/node-server does with bodies and headers.
let server: NodeServer;

beforeAll(async () => {
  const env = {
    NODE_ENV: "production",
    PORT: "0",
    NUMBIND_DB_PATH: ":memory:",
    NUMBIND_ISSUER: "http://127.0.0.1",
    NUMBIND_PEPPER: "server-test-pepper-server-test-pepper-0123",
    NUMBIND_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk()] }),
  };
  server = await startNodeServer(resolveConfig(parseEnvironment(env)));
});
afterAll(() => server.close());

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

function send(method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<Reply>((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port: server.port, method, path, headers, agent: false }, (res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : undefined }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A chunked upload over a raw socket; resolves with the status line of the first answer. */
function sendChunked(path: string, chunk: string, count: number) {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1");
    let received = "";
    socket.on("data", (data) => {
      received += data;
      if (received.includes("\r\n\r\n") && received.includes("}")) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.on("error", (error) => (received ? resolve(received) : reject(error)));
    socket.write(
      `PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    for (let index = 0; index < count; index++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    socket.write("0\r\n\r\n");
  });
}

describe("the Node HTTP server", () => {
  it("refuses a declared body over 1 MiB from its Content-Length, before reading it", async () => {
    const response = await send("PUT", "/v1/bindings", {
      "content-type": "application/json",
      "content-length": String(2 * 1024 * 1024),
    });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("counts a chunked body without a length as it reads, and refuses it past 1 MiB", async () => {
    const answer = await sendChunked("/v1/bindings", "x".repeat(64 * 1024), 20);
    expect(answer).toMatch(/^HTTP\/1.1 413 /);
    expect(answer).toContain('"code":"PAYLOAD_TOO_LARGE"');
  });

  it("reads a body of a declared length and answers with the request id and security headers", async () => {
    const body = JSON.stringify({ phone_number: "+8613912345678", account_ref: "a" });
    const response = await send(
      "PUT",
      "/v1/bindings",
      {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
        "x-request-id": "req-1",
      },
      body,
    );
    // No token: the body was read past the limit check and the request reached authentication.
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ code: "UNAUTHENTICATED", request_id: "req-1" });
    expect(response.headers).toMatchObject({
      "x-request-id": "req-1",
      "x-content-type-options": "nosniff",
      "cache-control": "no-store",
    });

    const ok = await send("GET", "/.well-known/jwks.json", {});
    expect(ok.status).toBe(200);
    expect(ok.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ok.headers["x-content-type-options"]).toBe("nosniff");
  });
});

describe("the Node server's sweeper thread", () => {
  it("expires bindings of a database file on its own thread, with one event each, and stops with the server", async () => {
    const { mkdtempSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { openSqlite } = await import("../../src/db/better-sqlite3.js");
    const dbPath = join(mkdtempSync(join(tmpdir(), "numbind-sweeper-")), "numbind.sqlite");
    const env = {
      NODE_ENV: "production",
      PORT: "0",
      NUMBIND_DB_PATH: dbPath,
      NUMBIND_ISSUER: "http://127.0.0.1",
      NUMBIND_PEPPER: "server-test-pepper-server-test-pepper-0123",
      NUMBIND_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk()] }),
      NUMBIND_SWEEP_INTERVAL: "PT1S",
    };
    const fileServer = await startNodeServer(resolveConfig(parseEnvironment(env)), { log: false });
    const db = openSqlite(dbPath);
    try {
      const old = Date.now() - 91 * 86_400_000;
      const insert = db.client.prepare(
        "insert into bindings (id, app_id, phone_hash, phone_hint, account_ref, status, bound_at, verified_at, last_seen_at) values (?, 'app_1', ?, '+86139****0000', ?, 'active', ?, ?, ?)",
      );
      insert.run("bnd_old", "hash-old", "a", old, old, old);
      insert.run("bnd_new", "hash-new", "b", Date.now(), Date.now(), Date.now());
      const status = db.client.prepare("select status from bindings where id = ?").pluck();
      for (let waited = 0; status.get("bnd_old") !== "expired" && waited < 10_000; waited += 100)
        await new Promise((resolve) => setTimeout(resolve, 100));
      expect(status.get("bnd_old")).toBe("expired");
      expect(status.get("bnd_new")).toBe("active");
      const events = db.client.prepare("select type, json_extract(data, '$.binding_id') as binding from events").all();
      expect(events).toEqual([{ type: "binding.expired", binding: "bnd_old" }]);
    } finally {
      db.close();
      await fileServer.close();
    }
  }, 20_000);
});
