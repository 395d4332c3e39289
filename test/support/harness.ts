import type { JWK } from "jose";
import { freshStores, runtimeSigner } from "#test-db";
import { createApp } from "../../src/app.js";
import { createClient } from "../../src/auth/clients.js";
import { generateSigningJwk, publicJwk } from "../../src/auth/keys.js";
import type { ClientKind } from "../../src/auth/scopes.js";
import { CLIENT_ASSERTION_TYPE, signClientAssertion, signWithJwk } from "../../src/client/assertion.js";
import type { ShardOrm } from "../../src/db/shard-store.js";
import type { AppConfig } from "../../src/http/context.js";

export const ISSUER = "https://numbind.test";
export const DAY = 86_400_000;
export const MINUTE = 60_000;
/** 2026-01-15T00:00:00Z: a fixed start, so every test reads the same calendar. */
const START = Date.UTC(2026, 0, 15);

export interface TestClient {
  id: string;
  kind: ClientKind;
  name: string;
  privateJwk: JWK;
  /** A fresh access token at the current fake time. */
  token(scope?: string): Promise<string>;
  /** A token valid now: reused while it is, renewed when the fake clock has passed its expiry. */
  bearer(): Promise<string>;
  /** A client assertion for /oauth/token; claims may be overridden for attack tests. */
  assertion(overrides?: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
}

export interface RequestOptions {
  token?: string;
  json?: unknown;
  body?: string;
  headers?: Record<string, string>;
}

export const signJwt = signWithJwk;

export async function createHarness(options: { inactivity?: number; config?: Partial<AppConfig> } = {}) {
  const stores = await freshStores();
  const { db, shards, inShard } = stores;
  let now = START;
  const clock = () => now;
  const signingKey = await generateSigningJwk();
  const config: AppConfig = {
    issuer: ISSUER,
    pepper: "test-pepper-test-pepper-test-pepper-0123",
    signingKeys: { keys: [signingKey] },
    inactivityMs: options.inactivity ?? 90 * DAY,
    defaultRegion: "CN",
    ...options.config,
  };
  const errors: unknown[] = [];
  const app = createApp({
    db,
    shards,
    config,
    clock,
    signer: runtimeSigner,
    logError: (_message, error) => errors.push(error),
  });

  async function request(method: string, path: string, init: RequestOptions = {}) {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers["content-type"] ??= "application/json";
    }
    const response = await app.request(path, { method, headers, body });
    const text = await response.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, json, text };
  }

  async function tokenRequest(form: Record<string, string>) {
    return request("POST", "/oauth/token", {
      body: new URLSearchParams(form).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
  }

  let sequence = 0;
  async function client(
    kind: ClientKind,
    name = `${kind}-${++sequence}`,
    extra: { prefixes?: string[]; alg?: "EdDSA" | "ES256" } = {},
  ): Promise<TestClient> {
    let privateJwk: JWK;
    if (extra.alg === "ES256") {
      const { generateKeyPair, exportJWK } = await import("jose");
      const pair = await generateKeyPair("ES256", { extractable: true });
      privateJwk = { ...(await exportJWK(pair.privateKey)), kid: `es-${++sequence}` };
    } else {
      privateJwk = await generateSigningJwk();
    }
    const created = await createClient(db, clock, {
      kind,
      name,
      jwks: { keys: [publicJwk(privateJwk)] },
      numberPrefixes: extra.prefixes,
    });
    const assertion = (overrides: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
      signClientAssertion({ clientId: created.id, privateJwk, audience: ISSUER, now, claims: overrides, header });
    let cached: { token: string; until: number } | undefined;
    const token = async (scope?: string) => {
      const response = await tokenRequest({
        grant_type: "client_credentials",
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: await assertion(),
        ...(scope ? { scope } : {}),
      });
      if (response.status !== 200) throw new Error(`token for ${created.id} refused: ${response.text}`);
      return response.json.access_token as string;
    };
    return {
      id: created.id,
      kind,
      name,
      privateJwk,
      assertion,
      token,
      async bearer() {
        if (!cached || now >= cached.until) cached = { token: await token(), until: now + 5 * 60_000 };
        return cached.token;
      },
    };
  }

  return {
    db,
    shards,
    /** Runs `run` on the tables of the shard holding this binding id or number hash. */
    inShardOf<T>(key: { id: string } | { phoneHash: string }, run: (orm: ShardOrm) => T): Promise<T> {
      const index = "id" in key ? shards.ofId(key.id) : shards.ofHash(key.phoneHash);
      if (index === undefined) throw new Error(`no shard for ${JSON.stringify(key)}`);
      return inShard(index, run);
    },
    /** The stores as the runtime under test holds them (Workers: runAlarm on a shard). */
    stores,
    /** Runs `run` on every shard's tables, in shard order. */
    async inEveryShard<T>(run: (orm: ShardOrm) => T): Promise<T[]> {
      const results: T[] = [];
      for (let index = 0; index < shards.count; index++) results.push(await inShard(index, run));
      return results;
    },
    app,
    config,
    errors,
    signingKey,
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
    setTime(ms: number) {
      now = ms;
    },
    request,
    tokenRequest,
    client,
    async jwks() {
      return (await request("GET", "/.well-known/jwks.json")).json as { keys: JWK[] };
    },
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;
