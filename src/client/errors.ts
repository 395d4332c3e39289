import type { components } from "./schema.js";

type Problem = components["schemas"]["Problem"];

/**
 * The codes a NumbindError carries: the registry's problem codes, the token endpoint's RFC 6749
 * errors (`invalid_client`, ...), and the client's own for answers that never reached a problem body.
 */
export type NumbindErrorCode =
  | Problem["code"]
  | "NETWORK_ERROR"
  | "DISCOVERY_FAILED"
  | "UNEXPECTED_RESPONSE"
  | (string & {});

/** Anything the registry refused, or could not be asked: `switch (error.code)` to decide what to do. */
export class NumbindError extends Error {
  override name = "NumbindError";
  /** The HTTP status; 0 when no answer came (network failure, timeout). */
  readonly status: number;
  readonly code: NumbindErrorCode;
  readonly detail: string;
  /** The registry's X-Request-Id for this answer: quote it when asking its operator. */
  readonly requestId: string | undefined;
  /** The problem+json body as the registry sent it (with per-field `errors`), when it sent one. */
  readonly problem: Problem | undefined;

  constructor(init: { status: number; code: NumbindErrorCode; detail: string; requestId?: string; problem?: Problem }) {
    super(`${init.code}: ${init.detail}`);
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.requestId = init.requestId;
    this.problem = init.problem;
  }
}

function isProblem(body: unknown): body is Problem {
  const candidate = body as Partial<Problem> | undefined;
  return typeof candidate?.code === "string" && typeof candidate.detail === "string";
}

/** The error for a non-2xx answer, from its parsed body (problem+json, an RFC 6749 error, or anything else). */
export function errorFromAnswer(response: Response, body: unknown): NumbindError {
  const requestId = response.headers.get("x-request-id") ?? undefined;
  if (isProblem(body)) {
    return new NumbindError({
      status: response.status,
      code: body.code,
      detail: body.detail,
      requestId: body.request_id ?? requestId,
      problem: body,
    });
  }
  const oauth = body as { error?: unknown; error_description?: unknown } | undefined;
  if (typeof oauth?.error === "string") {
    const detail = typeof oauth.error_description === "string" ? oauth.error_description : oauth.error;
    return new NumbindError({ status: response.status, code: oauth.error, detail, requestId });
  }
  return new NumbindError({
    status: response.status,
    code: "UNEXPECTED_RESPONSE",
    detail: `HTTP ${response.status}${response.url ? ` from ${response.url}` : ""} without a problem body`,
    requestId,
  });
}
