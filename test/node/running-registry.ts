import { createServer } from "node:net";
import type { JWK } from "jose";
import { generateSigningJwk, publicJwk } from "../../src/auth/keys.js";
import { type ClientOptions, createClient, type NumbindClient } from "../../src/client/index.js";
import { parseEnvironment, resolveConfig } from "../../src/config.js";
import { startNodeServer } from "../../src/runtime/node/server.js";

/** A port nobody listens on yet, so the issuer can name it before the server starts. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export interface Registered {
  id: string;
  privateJwk: JWK;
  client: NumbindClient;
}

/**
 * The real Node server on an in-memory database, with a bootstrap admin whose numbind client
 * registers apps and carriers through the admin API, as an operator would.
 */
export async function startRegistry() {
  const adminKey = await generateSigningJwk();
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const env = {
    NODE_ENV: "production",
    PORT: String(port),
    NUMBIND_DB_PATH: ":memory:",
    NUMBIND_ISSUER: issuer,
    NUMBIND_PEPPER: "client-test-pepper-client-test-pepper-0123",
    NUMBIND_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk()] }),
    NUMBIND_BOOTSTRAP_ADMIN_JWKS: JSON.stringify({ keys: [publicJwk(adminKey)] }),
  };
  const server = await startNodeServer(resolveConfig(parseEnvironment(env)));
  const admin = createClient({ issuer, clientId: "admin", privateJwk: adminKey });

  async function register(
    kind: "app" | "carrier",
    extra: { number_prefixes?: string[]; reporting_since?: string } = {},
    options: Partial<ClientOptions> = {},
  ): Promise<Registered> {
    const privateJwk = await generateSigningJwk();
    const { data, error } = await admin.api.POST("/v1/admin/clients", {
      body: { kind, name: `${kind} ${crypto.randomUUID()}`, jwks: { keys: [{ ...publicJwk(privateJwk) }] }, ...extra },
    });
    if (!data) throw new Error(JSON.stringify(error));
    return { id: data.id, privateJwk, client: createClient({ issuer, clientId: data.id, privateJwk, ...options }) };
  }

  return { issuer, admin, register, close: () => server.close() };
}
