import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { serve } from "@hono/node-server";
import type { JWK } from "jose";
import { createApp } from "../../src/app.js";
import { generateSigningJwk, publicJwk } from "../../src/auth/keys.js";
import { CLIENT_ASSERTION_TYPE, signClientAssertion } from "../../src/client/assertion.js";
import { type Clock, systemClock } from "../../src/clock.js";
import { type Config, parseEnvironment, resolveConfig } from "../../src/config.js";
import { startNodeServer } from "../../src/runtime/node/server.js";
import { openNodeDatabase } from "../../src/runtime/node/setup.js";
import { localShards } from "../../src/runtime/node/shards.js";
import { nodeJwtSigner } from "../../src/runtime/node/signer.js";

/** A port nobody listens on now: the issuer must name it before the server starts. */
async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export interface ApiAnswer {
  status: number;
  json: any;
}

/** A registered machine client speaking to the registry over HTTP, as an app or carrier would. */
export class ApiClient {
  #token: { value: string; until: number } | undefined;

  constructor(
    readonly base: string,
    readonly id: string,
    readonly privateJwk: JWK,
    private readonly clock: Clock = systemClock,
  ) {}

  async token(): Promise<string> {
    if (this.#token && this.clock() < this.#token.until) return this.#token.value;
    const response = await fetch(`${this.base}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: await signClientAssertion({
          clientId: this.id,
          privateJwk: this.privateJwk,
          audience: this.base,
          now: this.clock(),
        }),
      }),
    });
    const body = (await response.json()) as { access_token?: string; expires_in?: number };
    if (!body.access_token) throw new Error(`token for ${this.id} refused: ${JSON.stringify(body)}`);
    this.#token = { value: body.access_token, until: this.clock() + (body.expires_in ?? 60) * 500 };
    return body.access_token;
  }

  async call(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<ApiAnswer> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.token()}` };
    if (body !== undefined) headers["content-type"] = contentType;
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }
}

export interface LocalRegistry {
  /** The issuer: http://127.0.0.1:<port>. */
  base: string;
  port: number;
  admin: ApiClient;
  /** Registers a client through the admin API, with a fresh key. */
  register(kind: "app" | "carrier", name: string, prefixes?: string[]): Promise<ApiClient>;
  close(): Promise<void>;
}

/**
 * The server on a clock of the caller's (the demo's story spans months): the same app and shards
 * as startNodeServer assembles, without the sweeper, since reads judge expiry themselves.
 */
async function startOnClock(config: Config, host: string, clock: Clock): Promise<{ close(): Promise<void> }> {
  const db = await openNodeDatabase(config, clock);
  const app = createApp({ db, shards: localShards(db), config, clock, signer: nodeJwtSigner });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: config.port, hostname: host }, () => resolve(started));
  });
  return { close: () => new Promise((resolve) => server.close(() => resolve(db.close()))) };
}

/**
 * The Node server as `npm start` runs it, on a free loopback port over a fresh in-memory database,
 * with fresh secrets and a bootstrap admin: for the demo and the browser tests. With a `clock`,
 * the registry and its clients read that clock instead of the system's.
 */
export async function startLocalRegistry(
  options: { host?: string; clock?: Clock; env?: Record<string, string> } = {},
): Promise<LocalRegistry> {
  const host = options.host ?? "127.0.0.1";
  const port = await freePort(host);
  const base = `http://${host}:${port}`;
  const adminKey = await generateSigningJwk();
  const config = resolveConfig(
    parseEnvironment({
      PORT: String(port),
      NUMBIND_DB_PATH: ":memory:",
      NUMBIND_ISSUER: base,
      NUMBIND_PEPPER: randomBytes(32).toString("base64url"),
      NUMBIND_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk()] }),
      NUMBIND_BOOTSTRAP_ADMIN_JWKS: JSON.stringify({ keys: [publicJwk(adminKey)] }),
      ...options.env,
    }),
  );
  const clock = options.clock ?? systemClock;
  const server = options.clock
    ? await startOnClock(config, host, options.clock)
    : await startNodeServer(config, { hostname: host });
  const admin = new ApiClient(base, "admin", adminKey, clock);
  return {
    base,
    port,
    admin,
    async register(kind, name, prefixes) {
      const key = await generateSigningJwk();
      const created = await admin.call("POST", "/v1/admin/clients", {
        kind,
        name,
        jwks: { keys: [publicJwk(key)] },
        ...(prefixes ? { number_prefixes: prefixes } : {}),
      });
      if (created.status !== 201) throw new Error(`registering ${name} failed: ${JSON.stringify(created.json)}`);
      return new ApiClient(base, created.json.id, key, clock);
    },
    close: () => server.close(),
  };
}
