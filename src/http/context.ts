import type { Context } from "hono";
import type { AccessTokens, Principal } from "../auth/access-token.js";
import type { ClientStatusCache } from "../auth/clients.js";
import type { JwtSigner } from "../auth/jwt-signer.js";
import type { SigningKey } from "../auth/keys.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { Database } from "../db/database.js";
import type { Shards } from "../db/shards.js";
import type { WebhookTransport } from "../webhooks/transport.js";

/** The part of Config the HTTP app reads; entries parse the rest. */
export type AppConfig = Pick<Config, "issuer" | "pepper" | "signingKeys" | "inactivityMs" | "defaultRegion"> &
  Partial<Pick<Config, "rateLimits" | "production">>;

/** What an entry hands createApp: everything with I/O or time comes in from outside. */
export interface Deps {
  /** The control plane: clients, used assertion ids, audit, the apps' feeds. */
  db: Database;
  /** The data plane: bindings and number records, split by number. */
  shards: Shards;
  config: AppConfig;
  clock: Clock;
  /** How registry JWTs are signed; defaults to the portable jose signer. */
  signer?: JwtSigner;
  /** Where unexpected errors go; defaults to console.error. Never receives a request body. */
  logError?: (message: string, error: unknown) => void;
  /** The caller's network address (Node: the socket; Workers: cf-connecting-ip); unknown without it. */
  remoteAddress?: (c: Context<AppEnv>) => string | undefined;
  /** How webhooks leave this runtime (Node: guarded sockets and DNS); defaults to fetch. */
  webhooks?: WebhookTransport;
}

/** What createApp builds once and every request shares (per process, or per Worker isolate). */
export interface Runtime {
  db: Database;
  shards: Shards;
  config: AppConfig;
  clock: Clock;
  keys: SigningKey[];
  signer: JwtSigner;
  tokens: AccessTokens;
  clientStatus: ClientStatusCache;
  webhooks: WebhookTransport;
}

/** The Hono context's variables: what every handler reads from `c.var`. */
export interface AppEnv {
  Variables: {
    runtime: Runtime;
    requestId: string;
    principal: Principal;
  };
}
