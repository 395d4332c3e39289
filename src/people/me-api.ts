import type { Context, Hono } from "hono";
import type { AppEnv } from "../http/context.js";
import type { Session } from "./session.js";

/** One item of GET /v1/me/bindings, as the page reads it. */
export interface MyBinding {
  id: string;
  app_id: string;
  app_name: string;
  bound_at: string;
  last_seen_at: string;
  expires_at: string;
  /** When the app last proved this account held the number; absent until the API returns it. */
  verified_at?: string;
}

/** An answer of the API the page cannot turn into a page of its own: the caller renders it. */
export class MeApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(`the /v1/me API answered ${status}${code ? ` ${code}` : ""}`);
  }
}

/**
 * The page is a client of the HTTP API: it lists and cuts through /v1/me with a person token
 * minted for the session, by calling the app itself. Audit, the apps' feed events and webhooks
 * then happen exactly as for any other client, and the page never depends on where the data lives.
 */
export class MeApi {
  #token: Promise<string> | undefined;

  constructor(
    private readonly app: Hono<AppEnv>,
    private readonly c: Context<AppEnv>,
    private readonly session: Session,
  ) {}

  async list(): Promise<MyBinding[]> {
    const response = await this.#call("GET", "/v1/me/bindings");
    if (response.status !== 200) throw await failure(response);
    return ((await response.json()) as { items: MyBinding[] }).items;
  }

  /** Cuts one binding: true when it ended now, false when it was no longer on the number. */
  async cut(id: string): Promise<boolean> {
    const response = await this.#call("DELETE", `/v1/me/bindings/${encodeURIComponent(id)}`);
    if (response.status === 204) return true;
    if (response.status === 404) {
      await response.body?.cancel();
      return false;
    }
    throw await failure(response);
  }

  async #call(method: string, path: string): Promise<Response> {
    this.#token ??= this.c.var.runtime.tokens
      .issue({
        kind: "person",
        clientId: this.session.carrierId,
        scopes: ["me"],
        phoneHash: this.session.phoneHash,
        phoneHint: this.session.phoneHint,
      })
      .then((issued) => issued.token);
    const request = new Request(new URL(path, this.c.req.url), {
      method,
      headers: { authorization: `Bearer ${await this.#token}`, "x-request-id": this.c.var.requestId },
    });
    return this.app.fetch(request, this.c.env, executionContext(this.c));
  }
}

async function failure(response: Response): Promise<MeApiFailure> {
  let code: string | undefined;
  try {
    code = ((await response.json()) as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return new MeApiFailure(response.status, code);
}

/** Workers hand every request an execution context (waitUntil); Node has none. */
function executionContext(c: Context<AppEnv>) {
  try {
    return c.executionCtx;
  } catch {
    return undefined;
  }
}
