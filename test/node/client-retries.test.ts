import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generateSigningJwk } from "../../src/auth/keys.js";
import { createClient, NumbindError } from "../../src/client/index.js";

// The client's retries and token handling against a scripted registry (node:http) that answers
// 429 and 503 with Retry-After, advertises its token endpoint under another name, or refuses tokens.

type Scripted = { status: number; headers?: Record<string, string>; body?: unknown };

let server: Server;
let url: string;
/** Answers for /v1/bindings/{id}, in order; once used up, a binding. */
let script: Scripted[];
let hits: { path: string; authorization: string | undefined; body: string }[];
let tokensIssued: number;
/** What the metadata says the registry calls itself. */
let advertisedIssuer: string | undefined;

const BINDING = {
  id: "bnd_1",
  phone_number_hint: "+86139****0001",
  account_ref: "user-1",
  status: "active",
  bound_at: "2026-01-01T00:00:00.000Z",
  verified_at: "2026-01-01T00:00:00.000Z",
  last_seen_at: "2026-01-01T00:00:00.000Z",
  expires_at: "2026-04-01T00:00:00.000Z",
  ended_at: null,
  end_reason: null,
};

function answer(response: ServerResponse, { status, headers = {}, body }: Scripted) {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(body === undefined ? "" : JSON.stringify(body));
}

async function handle(request: IncomingMessage, response: ServerResponse) {
  let body = "";
  for await (const chunk of request) body += chunk;
  const path = new URL(request.url ?? "/", url).pathname;
  hits.push({ path, authorization: request.headers.authorization, body });
  if (path === "/.well-known/oauth-authorization-server") {
    const issuer = advertisedIssuer ?? url;
    return answer(response, { status: 200, body: { issuer, token_endpoint: `${issuer}/oauth/token` } });
  }
  if (path === "/oauth/token") {
    tokensIssued++;
    return answer(response, {
      status: 200,
      body: { access_token: `token-${tokensIssued}`, token_type: "Bearer", expires_in: 600, scope: "bindings" },
    });
  }
  if (path.startsWith("/v1/bindings")) return answer(response, script.shift() ?? { status: 200, body: BINDING });
  return answer(response, { status: 404 });
}

beforeAll(async () => {
  server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  script = [];
  hits = [];
  tokensIssued = 0;
  advertisedIssuer = undefined;
});

const rateLimited = (retryAfter?: string): Scripted => ({
  status: 429,
  headers: retryAfter === undefined ? {} : { "retry-after": retryAfter },
  body: {
    type: "about:blank",
    title: "Too Many Requests",
    status: 429,
    detail: "slow down",
    code: "RATE_LIMITED",
    request_id: "r-1",
  },
});

async function client(options: { maxRetries?: number; maxDelayMs?: number; now?: () => number } = {}) {
  const waits: number[] = [];
  const instance = createClient({
    issuer: url,
    clientId: "app_1",
    privateJwk: await generateSigningJwk(),
    retry: { maxRetries: options.maxRetries, maxDelayMs: options.maxDelayMs },
    sleep: async (ms) => void waits.push(ms),
    ...(options.now ? { now: options.now } : {}),
  });
  return { instance, waits };
}

const bindingCalls = () => hits.filter((hit) => hit.path.startsWith("/v1/bindings"));

describe("retries", () => {
  it("waits as Retry-After says after a 429 or a 503, then succeeds", async () => {
    const now = Date.parse("2026-03-01T12:00:00Z");
    script = [
      rateLimited("2"),
      { status: 503, headers: { "retry-after": new Date(now + 5_000).toUTCString() } },
      rateLimited("0"),
    ];
    const { instance, waits } = await client({ now: () => now });
    expect(await instance.bindings.get("bnd_1")).toEqual(BINDING);
    expect(waits).toEqual([2_000, 5_000, 0]);
    expect(bindingCalls()).toHaveLength(4);
  });

  it("backs off 0.5 s, 1 s, 2 s without Retry-After, and stops after maxRetries with the last refusal", async () => {
    script = [rateLimited(), rateLimited(), rateLimited(), rateLimited()];
    const { instance, waits } = await client({ maxRetries: 3 });
    const error = await instance.bindings.get("bnd_1").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NumbindError);
    expect(error).toMatchObject({ status: 429, code: "RATE_LIMITED", detail: "slow down", requestId: "r-1" });
    expect(waits).toEqual([500, 1_000, 2_000]);
    expect(bindingCalls()).toHaveLength(4);
  });

  it("does not wait longer than maxDelayMs: a longer Retry-After fails at once", async () => {
    script = [rateLimited("120")];
    const { instance, waits } = await client({ maxDelayMs: 30_000 });
    await expect(instance.bindings.get("bnd_1")).rejects.toMatchObject({ status: 429, code: "RATE_LIMITED" });
    expect(waits).toEqual([]);
  });

  it("sends the same body again on a retry", async () => {
    script = [rateLimited("1")];
    const { instance } = await client();
    await instance.bindings.put({ phone_number: "+8613900000001", account_ref: "user-1" });
    const puts = bindingCalls();
    expect(puts).toHaveLength(2);
    expect(puts[1]!.body).toBe(puts[0]!.body);
    expect(JSON.parse(puts[1]!.body)).toEqual({ phone_number: "+8613900000001", account_ref: "user-1" });
  });
});

describe("tokens", () => {
  it("posts its assertion to the advertised endpoint's path where it reached the registry, addressed to the issuer", async () => {
    advertisedIssuer = "https://numbind.example";
    const { instance } = await client();
    await instance.bindings.get("bnd_1");
    const tokenRequest = hits.find((hit) => hit.path === "/oauth/token")!;
    const form = new URLSearchParams(tokenRequest.body);
    expect(form.get("grant_type")).toBe("client_credentials");
    expect(decodeJwt(form.get("client_assertion")!)).toMatchObject({
      iss: "app_1",
      sub: "app_1",
      aud: "https://numbind.example",
    });
    expect(bindingCalls()[0]!.authorization).toBe("Bearer token-1");
  });

  it("asks for a new token once when the registry refuses the one it holds", async () => {
    script = [{ status: 401, body: { code: "UNAUTHENTICATED", detail: "expired", status: 401 } }];
    const { instance } = await client();
    expect(await instance.bindings.get("bnd_1")).toEqual(BINDING);
    expect(bindingCalls().map((hit) => hit.authorization)).toEqual(["Bearer token-1", "Bearer token-2"]);
  });

  it("says when the URL is not a registry, or cannot be reached", async () => {
    const stranger = createClient({
      issuer: `${url}/nothing-here`,
      clientId: "a",
      privateJwk: await generateSigningJwk(),
    });
    await expect(stranger.accessToken()).rejects.toMatchObject({ code: "DISCOVERY_FAILED", status: 404 });

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const dead = createClient({ issuer: deadUrl, clientId: "a", privateJwk: await generateSigningJwk() });
    await expect(dead.accessToken()).rejects.toMatchObject({
      status: 0,
      code: "NETWORK_ERROR",
      detail: `could not reach ${deadUrl} (ECONNREFUSED)`,
    });
  });

  it("refuses options that could never work, when created", async () => {
    const privateJwk = await generateSigningJwk();
    expect(() => createClient({ issuer: "localhost:8787", clientId: "a", privateJwk })).toThrow(/not an http\(s\) URL/);
    const { d: _, ...publicOnly } = privateJwk;
    expect(() => createClient({ issuer: url, clientId: "a", privateJwk: publicOnly })).toThrow(/private JWK/);
  });
});
