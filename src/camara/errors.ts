import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../http/context.js";
import type { Problem, ProblemCode } from "../http/problems.js";
import { CorrelatorHeader, correlatorOf } from "./correlator.js";

/** Every path of the CAMARA APIs numbind serves: failures there answer in CAMARA's error body. */
const CAMARA_PATH = /^\/number-recycling(?:\/|$)/;

export function onCamaraApi(path: string): boolean {
  return CAMARA_PATH.test(path);
}

/**
 * The CAMARA codes this API emits, with the `message` of Number Recycling r2.2's examples (or, for
 * the codes it leaves to Commonalities, CAMARA_common.yaml r3.3's). Runtime errors and the
 * documented responses both come from here.
 */
const CAMARA_CODES = {
  INVALID_ARGUMENT: { status: 400, message: "Client specified an invalid argument, request body or query param." },
  OUT_OF_RANGE: { status: 400, message: "Client specified an invalid range." },
  UNAUTHENTICATED: {
    status: 401,
    message:
      "Request not authenticated due to missing, invalid, or expired credentials. A new authentication is required.",
  },
  PERMISSION_DENIED: { status: 403, message: "Client does not have sufficient permissions to perform this action" },
  IDENTIFIER_NOT_FOUND: { status: 404, message: "Phone number not found." },
  NOT_FOUND: { status: 404, message: "The specified resource is not found." },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: "The server refuses to accept the request because the payload format is in an unsupported format.",
  },
  SERVICE_NOT_APPLICABLE: { status: 422, message: "The service is not available for the provided phone number" },
  MISSING_IDENTIFIER: { status: 422, message: "The phone number cannot be identified" },
  TOO_MANY_REQUESTS: { status: 429, message: "Rate limit reached." },
  INTERNAL: { status: 500, message: "Unknown server error. Typically a server bug." },
} as const;

type CamaraCode = keyof typeof CAMARA_CODES;

/**
 * numbind's failures in CAMARA's words. CAMARA has no 413: a body past the limit is no CAMARA
 * request at all, so INVALID_ARGUMENT. Codes no request on this API can cause are a bug here.
 */
const FROM_PROBLEM: Record<ProblemCode, CamaraCode> = {
  INVALID_ARGUMENT: "INVALID_ARGUMENT",
  PAYLOAD_TOO_LARGE: "INVALID_ARGUMENT",
  UNAUTHENTICATED: "UNAUTHENTICATED",
  PERMISSION_DENIED: "PERMISSION_DENIED",
  NOT_FOUND: "NOT_FOUND",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  INTERNAL: "INTERNAL",
  NUMBER_NOT_IN_RANGE: "INTERNAL",
  NUMBER_RECYCLED: "INTERNAL",
  UNBOUND_BY_HOLDER: "INTERNAL",
  CONFLICT: "INTERNAL",
};

/**
 * Codes whose message is always CAMARA's own: every token failure reads the same (Design Guide
 * r3.3 §3.1 note 1), and a crash says nothing of our internals.
 */
const FIXED_MESSAGE: ReadonlySet<CamaraCode> = new Set(["UNAUTHENTICATED", "INTERNAL"]);

/** A CAMARA answer the handler gives instead of a result; app.ts renders it like any failure. */
export class CamaraError extends Error {
  readonly status: ContentfulStatusCode;

  constructor(
    readonly code: CamaraCode,
    message: string = CAMARA_CODES[code].message,
  ) {
    super(message);
    this.name = "CamaraError";
    this.status = CAMARA_CODES[code].status;
  }
}

function fromProblem(problem: Problem): CamaraError {
  const code = FROM_PROBLEM[problem.code];
  return FIXED_MESSAGE.has(code) ? new CamaraError(code) : new CamaraError(code, problem.message);
}

/** The one renderer on CAMARA paths: `{status, code, message}` as application/json, and the x-correlator. */
export function renderCamaraError(c: Context<AppEnv>, failure: CamaraError | Problem): Response {
  const error = failure instanceof CamaraError ? failure : fromProblem(failure);
  c.header("x-correlator", correlatorOf(c));
  c.header("Cache-Control", "no-store");
  if (error.code === "UNAUTHENTICATED") {
    // RFC 6750 §3: an error code only when a bearer token was sent; never why it failed.
    c.header(
      "WWW-Authenticate",
      /^Bearer\s/i.test(c.req.header("authorization") ?? "") ? 'Bearer error="invalid_token"' : "Bearer",
    );
  }
  return c.json({ status: error.status, code: error.code, message: error.message }, error.status);
}

export const ErrorInfo = z
  .object({
    status: z.number().int().openapi({ description: "HTTP response status code" }),
    code: z.string().openapi({ description: "A human-readable code to describe the error" }),
    message: z.string().openapi({ description: "A human-readable description of what the event represents" }),
  })
  .openapi("ErrorInfo");

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Problem with the client request",
  401: "Authentication problem with the client request",
  403: "Client does not have sufficient permission",
  404: "Resource Not Found",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Server error",
};

/**
 * OpenAPI responses for these codes, grouped by status as CAMARA documents them: ErrorInfo with
 * the status and codes narrowed, one example per code, the x-correlator header.
 */
export function camaraErrorResponses(codes: readonly CamaraCode[]) {
  const byStatus = new Map<number, CamaraCode[]>();
  for (const code of codes) {
    const { status } = CAMARA_CODES[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, object> = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[status] = {
      description: ERROR_DESCRIPTIONS[status] ?? "Error",
      headers: CorrelatorHeader,
      content: {
        "application/json": {
          schema: {
            allOf: [
              { $ref: "#/components/schemas/ErrorInfo" },
              { type: "object", properties: { status: { enum: [status] }, code: { enum: group } } },
            ],
          },
          examples: Object.fromEntries(
            group.map((code) => [code, { value: { status, code, message: CAMARA_CODES[code].message } }]),
          ),
        },
      },
    };
  }
  return responses;
}
