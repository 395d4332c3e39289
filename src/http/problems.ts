import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "./context.js";

/**
 * The closed table of error codes. Runtime errors and the documented error responses are both
 * generated from it, so the contract cannot drift from what the code emits.
 */
const PROBLEM_CODES = {
  INVALID_ARGUMENT: { status: 400, title: "The request is not valid" },
  UNAUTHENTICATED: { status: 401, title: "A valid access token is required" },
  PERMISSION_DENIED: { status: 403, title: "The token does not allow this" },
  NUMBER_NOT_IN_RANGE: { status: 403, title: "A number is outside the carrier's responsibility" },
  NOT_FOUND: { status: 404, title: "Not found" },
  NUMBER_RECYCLED: { status: 409, title: "The number was reassigned since it was verified" },
  UNBOUND_BY_HOLDER: { status: 409, title: "The number's holder ended this binding" },
  CONFLICT: { status: 409, title: "Conflict" },
  PAYLOAD_TOO_LARGE: { status: 413, title: "The request body is too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "The request body must be application/json" },
  RATE_LIMITED: { status: 429, title: "Too many requests" },
  INTERNAL: { status: 500, title: "Internal error" },
} as const;

export type ProblemCode = keyof typeof PROBLEM_CODES;

export interface FieldError {
  /** RFC 6901 JSON pointer into the request (`/phone_number`, `/phone_numbers/3`). */
  pointer: string;
  detail: string;
}

/**
 * The one error type: every module throws a Problem (or a subclass naming its origin), and
 * `onError` renders it. A module's own failure (an invalid token, a bad key) is a subclass with
 * its code fixed, so nothing between the throw and the response has to translate it.
 */
export class Problem extends Error {
  readonly code: ProblemCode;
  readonly status: number;
  readonly errors?: FieldError[];

  constructor(code: ProblemCode, detail: string, errors?: FieldError[]) {
    super(detail);
    this.name = new.target.name;
    this.code = code;
    this.status = PROBLEM_CODES[code].status;
    this.errors = errors;
  }
}

export function invalidField(pointer: string, detail: string): Problem {
  return new Problem("INVALID_ARGUMENT", detail, [{ pointer, detail }]);
}

const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "https://numbind.dev/problems/invalid-argument" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(Object.keys(PROBLEM_CODES) as [ProblemCode, ...ProblemCode[]]),
    request_id: z.string(),
    errors: z
      .array(z.object({ pointer: z.string(), detail: z.string() }))
      .optional()
      .openapi({ description: "Per-field details, each pointing into the request." }),
  })
  .openapi("Problem", { description: "RFC 9457 problem details." });

function problemType(code: ProblemCode): string {
  return `https://numbind.dev/problems/${code.toLowerCase().replaceAll("_", "-")}`;
}

export function problemBody(problem: Problem, requestId: string) {
  return {
    type: problemType(problem.code),
    title: PROBLEM_CODES[problem.code].title,
    status: problem.status,
    detail: problem.message,
    code: problem.code,
    request_id: requestId,
    ...(problem.errors?.length ? { errors: problem.errors } : {}),
  };
}

/** The one renderer: every error outside /oauth/token leaves through here. */
export function renderProblem(c: Context<AppEnv>, problem: Problem): Response {
  const headers: Record<string, string> = { "Content-Type": "application/problem+json" };
  if (problem.code === "UNAUTHENTICATED") {
    headers["WWW-Authenticate"] = c.req.header("authorization")
      ? `Bearer error="invalid_token", error_description="${problem.message.replaceAll('"', "'")}"`
      : "Bearer";
  }
  const requestId = c.get("requestId") ?? "unknown";
  return c.body(JSON.stringify(problemBody(problem, requestId)), problem.status as 400, headers);
}

/** OpenAPI `responses` entries for the given codes, grouped by status, from the table above. */
export function problemResponses(codes: Iterable<ProblemCode>) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of new Set(codes)) {
    const status = PROBLEM_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, { description: string; content: Record<string, { schema: typeof ProblemSchema }> }> =
    {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[status] = {
      description: group.map((code) => `\`${code}\`: ${PROBLEM_CODES[code].title}.`).join(" "),
      content: { "application/problem+json": { schema: ProblemSchema } },
    };
  }
  return responses;
}
