import type { JWK } from "jose";
import { CLIENT_ASSERTION_TYPE, signClientAssertion } from "../client/assertion.js";
import { CliError } from "./args.js";

export const DEFAULT_URL = `http://localhost:${process.env.PORT ?? 8787}`;

/** An answer that is not a success, with what the registry said about it. */
export class RegistryRefused extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly body: { detail?: string; errors?: { pointer: string; detail: string }[] } | undefined,
  ) {
    super(message);
  }
}

/** The network failure's own reason (`ECONNREFUSED`, `ENOTFOUND`, ...), which fetch wraps as "fetch failed". */
function reason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** A running registry, reached over HTTP the way any client reaches it. */
export class RemoteRegistry {
  readonly base: string;
  #metadata: { issuer: string; token_endpoint: string } | undefined;

  constructor(url: string) {
    this.base = url.replace(/\/+$/, "");
    if (!/^https?:\/\/[^/]/.test(this.base)) {
      throw new CliError(`--url ${url} is not an http(s) URL; give the registry's address, like http://localhost:8787`);
    }
  }

  async #fetch(url: string, init?: RequestInit): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      throw new CliError(`could not reach ${this.base} (${reason(error)}); is \`npm start\` running there?`);
    }
  }

  /** The RFC 8414 metadata: the issuer to address assertions to and the token endpoint. */
  async metadata(): Promise<{ issuer: string; token_endpoint: string }> {
    if (this.#metadata) return this.#metadata;
    const path = "/.well-known/oauth-authorization-server";
    const response = await this.#fetch(this.base + path);
    const body = (await response.json().catch(() => undefined)) as
      | { issuer?: string; token_endpoint?: string }
      | undefined;
    if (!response.ok || typeof body?.issuer !== "string" || typeof body.token_endpoint !== "string") {
      throw new CliError(
        `${this.base} does not answer as a numbind registry (GET ${path}: ${response.status}); check --url`,
      );
    }
    this.#metadata = { issuer: body.issuer, token_endpoint: body.token_endpoint };
    return this.#metadata;
  }

  /** An access token for a machine client, by an RFC 7523 assertion signed with its private key. */
  async token(clientId: string, privateJwk: JWK, scope?: string): Promise<string> {
    const { issuer } = await this.metadata();
    const assertion = await signClientAssertion({ clientId, privateJwk, audience: issuer });
    // The token endpoint is posted to at --url: behind a proxy the advertised one may not be reachable from here.
    const response = await this.#fetch(`${this.base}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: assertion,
        ...(scope ? { scope } : {}),
      }),
    });
    return accessTokenFrom(response, `${this.base} refused a token to client ${clientId}`);
  }

  /** A JSON call with a bearer token; a refusal carries the problem's detail and field errors. */
  async call<T>(method: string, path: string, token: string, body?: unknown): Promise<T> {
    const response = await this.#fetch(this.base + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = (await response.json().catch(() => undefined)) as any;
    if (!response.ok) {
      const detail = typeof answer?.detail === "string" ? answer.detail : `HTTP ${response.status}`;
      throw new RegistryRefused(detail, response.status, answer);
    }
    return answer as T;
  }
}

/** The access token of a token endpoint's answer, or a CliError saying who refused it and why (RFC 6749). */
export async function accessTokenFrom(response: Response, refused: string): Promise<string> {
  const body = (await response.json().catch(() => ({}))) as {
    access_token?: string;
    error?: string;
    error_description?: string;
  };
  if (!response.ok || !body.access_token) {
    const said = body.error ? `${body.error}: ${body.error_description ?? ""}`.trim() : `HTTP ${response.status}`;
    throw new CliError(`${refused} (${said})`);
  }
  return body.access_token;
}
