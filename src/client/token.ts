import type { JWK } from "jose";
import { CLIENT_ASSERTION_TYPE, signClientAssertion } from "./assertion.js";
import { errorFromAnswer, NumbindError } from "./errors.js";
import type { components } from "./schema.js";
import { send, type TransportOptions } from "./transport.js";

type Metadata = components["schemas"]["AuthorizationServerMetadata"];
type TokenResponse = components["schemas"]["TokenResponse"];

export interface TokenKeeperOptions {
  /** Where the registry is reached: its metadata is read at `${url}/.well-known/oauth-authorization-server`. */
  url: string;
  clientId: string;
  privateJwk: JWK;
  scope?: string;
  transport: TransportOptions;
}

/** Refresh this long before expiry (or at half the token's life, when that is shorter). */
const REFRESH_MARGIN_MS = 60_000;

async function readJson(response: Response): Promise<unknown> {
  return response.json().catch(() => undefined);
}

/**
 * The token endpoint to post to. The metadata names it under the registry's issuer; when that is
 * not where this client reaches the registry (a proxy, a port chosen at start, a private address),
 * the same path under the reached URL is used. An endpoint on another host is used as it is.
 */
function reachableTokenEndpoint(metadata: Metadata, url: string): string {
  const issuer = metadata.issuer.replace(/\/+$/, "");
  const endpoint = metadata.token_endpoint;
  return endpoint.startsWith(`${issuer}/`) ? url + endpoint.slice(issuer.length) : endpoint;
}

/**
 * Keeps a machine client's access token: RFC 7523 private_key_jwt for client_credentials, the
 * endpoint and audience from RFC 8414 metadata, a new token before the old one expires, and one
 * token request at a time however many calls wait for it.
 */
export class TokenKeeper {
  readonly #options: TokenKeeperOptions;
  #metadata: Promise<Metadata> | undefined;
  #current: { token: string; refreshAt: number } | undefined;
  #pending: Promise<string> | undefined;

  constructor(options: TokenKeeperOptions) {
    this.#options = options;
  }

  /** A token valid for a while yet. */
  async token(): Promise<string> {
    const current = this.#current;
    if (current && this.#options.transport.now() < current.refreshAt) return current.token;
    this.#pending ??= this.#request().finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  /** The registry refused this token (a disabled key, a restarted registry): the next call gets a new one. */
  forget(token: string): void {
    if (this.#current?.token === token) this.#current = undefined;
  }

  metadata(): Promise<Metadata> {
    this.#metadata ??= this.#discover().catch((error: unknown) => {
      this.#metadata = undefined;
      throw error;
    });
    return this.#metadata;
  }

  async #discover(): Promise<Metadata> {
    const path = "/.well-known/oauth-authorization-server";
    const response = await send(new Request(this.#options.url + path), this.#options.transport);
    const body = (await readJson(response)) as Partial<Metadata> | undefined;
    if (!response.ok || typeof body?.issuer !== "string" || typeof body.token_endpoint !== "string") {
      throw new NumbindError({
        status: response.status,
        code: "DISCOVERY_FAILED",
        detail: `${this.#options.url} does not answer as a numbind registry (GET ${path}: HTTP ${response.status})`,
      });
    }
    return body as Metadata;
  }

  async #request(): Promise<string> {
    const { clientId, privateJwk, scope, transport, url } = this.#options;
    const metadata = await this.metadata();
    const requestedAt = transport.now();
    // Signed at the wall clock whatever `now` says: the registry checks iat and exp against its own.
    const assertion = await signClientAssertion({ clientId, privateJwk, audience: metadata.issuer });
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
      ...(scope ? { scope } : {}),
    });
    const request = new Request(reachableTokenEndpoint(metadata, url), { method: "POST", body: form });
    const response = await send(request, transport);
    const body = await readJson(response);
    if (!response.ok) throw errorFromAnswer(response, body);
    const { access_token: token, expires_in: expiresIn } = body as TokenResponse;
    const lifetimeMs = expiresIn * 1000;
    this.#current = { token, refreshAt: requestedAt + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2) };
    return token;
  }
}
