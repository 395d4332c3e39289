import type { JWK } from "jose";
import createFetchClient, { type Client } from "openapi-fetch";
import { errorFromAnswer } from "./errors.js";
import type { components, paths } from "./schema.js";
import { TokenKeeper } from "./token.js";
import { type Fetch, type RetryPolicy, send, type TransportOptions } from "./transport.js";

type Schemas = components["schemas"];
export type Binding = Schemas["Binding"];
export type PutBinding = Schemas["PutBinding"];
export type FeedEvent = Schemas["Event"];
export type ImportLine = Schemas["ImportLine"];
export type ImportResult = Schemas["ImportResult"];
export type CheckRecycled = Schemas["CheckRecycled"];
export type CheckRecycledResult = Schemas["CheckRecycledResult"];
export type BindingCheckResponse = Schemas["BindingCheckResponse"];
export type CarrierEvent = Schemas["CarrierEvent"];
export type CarrierEventsResponse = Schemas["CarrierEventsResponse"];
export type BindingListQuery = Omit<NonNullable<paths["/v1/bindings"]["get"]["parameters"]["query"]>, "cursor">;
export type EventFeedQuery = Omit<NonNullable<paths["/v1/events"]["get"]["parameters"]["query"]>, "cursor">;

export interface ClientOptions {
  /** The registry's URL (its NUMBIND_ISSUER), e.g. `https://numbind.example`. */
  issuer: string;
  clientId: string;
  /** The client's private JWK (`numbind keygen --out`); only its public half is registered. */
  privateJwk: JWK;
  /** Fewer scopes than the client's kind allows, space-separated. */
  scope?: string;
  /** Defaults to the global fetch. */
  fetch?: Fetch;
  retry?: Partial<RetryPolicy>;
  /** How to wait before a retry; tests pass one that returns at once. */
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds since the epoch; decides when the access token is refreshed. */
  now?: () => number;
  /** Per attempt; default 60 s. */
  timeoutMs?: number;
}

export interface NumbindClient {
  bindings: {
    /** Call on bind and on every login. `created` tells a new binding (201) from a refreshed one (200). */
    put(body: PutBinding): Promise<{ binding: Binding; created: boolean }>;
    get(id: string): Promise<Binding>;
    /** Ends the binding with APP_UNBOUND; an ended one stays ended. */
    delete(id: string): Promise<void>;
    /** Every binding of the app matching the query, page after page. */
    list(query?: BindingListQuery): AsyncIterable<Binding>;
    /** One request of up to 10,000 lines; `errors[].line` counts from 1 in `rows`. */
    import(rows: readonly ImportLine[]): Promise<ImportResult>;
  };
  /** The app's event feed from `after` (the last id seen) to its current end. */
  events(query?: EventFeedQuery): AsyncIterable<FeedEvent>;
  checkRecycled(body: CheckRecycled): Promise<CheckRecycledResult>;
  numbers: {
    /** Carriers: which apps still hold these numbers (1 to 1000), with a signed attestation. */
    check(phoneNumbers: readonly string[]): Promise<BindingCheckResponse>;
    /** Carriers: report numbers' life events (1 to 1000); an id sent again is a harmless duplicate. */
    reportEvents(events: readonly CarrierEvent[]): Promise<CarrierEventsResponse>;
  };
  /** The typed openapi-fetch client, authenticated and retrying, for any other route. */
  api: Client<paths>;
  /** The current access token (refreshed when due). */
  accessToken(): Promise<string>;
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

/** The success body, or the registry's refusal as a NumbindError. */
function unwrap<T>(answer: Answer<T>): T {
  if (!answer.response.ok) throw errorFromAnswer(answer.response, answer.error);
  return answer.data as T;
}

/** Items of a `{items, next_cursor}` list, following next_cursor until it is null. */
async function* everyItem<T>(
  page: (cursor: string | undefined) => Promise<Answer<{ items: T[]; next_cursor: string | null }>>,
): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const { items, next_cursor } = unwrap(await page(cursor));
    yield* items;
    cursor = next_cursor ?? undefined;
  } while (cursor !== undefined);
}

function transportOptions(options: ClientOptions): TransportOptions {
  return {
    fetch: options.fetch ?? ((request) => fetch(request)),
    retry: { maxRetries: 4, maxDelayMs: 60_000, ...options.retry },
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    now: options.now ?? Date.now,
    timeoutMs: options.timeoutMs ?? 60_000,
  };
}

/** Fails fast on options that could only fail later, at the first call. */
function checkOptions(options: ClientOptions): string {
  const url = options.issuer.replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]/.test(url)) throw new TypeError(`issuer ${options.issuer} is not an http(s) URL`);
  if (!options.clientId) throw new TypeError("clientId is required");
  if (typeof options.privateJwk?.d !== "string") throw new TypeError("privateJwk must be a private JWK (with its d)");
  return url;
}

/** A client of the registry for an app or a carrier: it keeps its own access token. */
export function createClient(options: ClientOptions): NumbindClient {
  const url = checkOptions(options);
  const transport = transportOptions(options);
  const tokens = new TokenKeeper({ ...options, url, transport });

  const authorized: Fetch = async (request) => {
    let token = "";
    const withToken = async (attempt: Request) => {
      token = await tokens.token();
      attempt.headers.set("authorization", `Bearer ${token}`);
      return attempt;
    };
    const response = await send(request, transport, withToken);
    if (response.status !== 401) return response;
    // A token the registry no longer accepts (its keys rotated, a restart): one more try with a new one.
    tokens.forget(token);
    await response.body?.cancel();
    return send(request, transport, withToken);
  };
  const api = createFetchClient<paths>({ baseUrl: url, fetch: authorized });

  return {
    bindings: {
      async put(body) {
        const answer = await api.PUT("/v1/bindings", { body });
        return { binding: unwrap(answer), created: answer.response.status === 201 };
      },
      async get(id) {
        return unwrap(await api.GET("/v1/bindings/{id}", { params: { path: { id } } }));
      },
      async delete(id) {
        unwrap(await api.DELETE("/v1/bindings/{id}", { params: { path: { id } } }));
      },
      list(query = {}) {
        return everyItem((cursor) => api.GET("/v1/bindings", { params: { query: { ...query, cursor } } }));
      },
      async import(rows) {
        const answer = await api.POST("/v1/bindings/import", {
          // The schema describes one line; the body is a stream of them (OpenAPI 3.1 has no itemSchema).
          body: rows as unknown as ImportLine,
          bodySerializer: () => rows.map((row) => `${JSON.stringify(row)}\n`).join(""),
          headers: { "content-type": "application/x-ndjson" },
        });
        return unwrap(answer);
      },
    },
    events({ after, ...query } = {}) {
      // `after` places the first page; next_cursor places the rest (the registry refuses both at once).
      return everyItem((cursor) =>
        api.GET("/v1/events", { params: { query: cursor === undefined ? { ...query, after } : { ...query, cursor } } }),
      );
    },
    async checkRecycled(body) {
      return unwrap(await api.POST("/v1/numbers/check-recycled", { body }));
    },
    numbers: {
      async check(phoneNumbers) {
        return unwrap(await api.POST("/v1/numbers/bindings", { body: { phone_numbers: [...phoneNumbers] } }));
      },
      async reportEvents(events) {
        return unwrap(await api.POST("/v1/numbers/events", { body: { events: [...events] } }));
      },
    },
    api,
    accessToken: () => tokens.token(),
  };
}
