import type { AccessTokens, Principal } from "../auth/access-token.js";
import type { ClientStatusCache } from "../auth/clients.js";
import type { JwtSigner } from "../auth/jwt-signer.js";
import type { SigningKey } from "../auth/keys.js";
import type { Clock } from "../clock.js";
import type { Config } from "../config.js";
import type { Database } from "../db/database.js";
import type { Shards } from "../db/shards.js";

/** The part of Config the HTTP app reads; entries parse the rest. */
export type AppConfig = Pick<Config, "issuer" | "pepper" | "signingKeys" | "inactivityMs" | "defaultRegion">;

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
}

/** The Hono context's variables: what every handler reads from `c.var`. */
export interface AppEnv {
  Variables: {
    runtime: Runtime;
    requestId: string;
    principal: Principal;
  };
}
