import type { Context } from "hono";
import type { ZodError } from "zod";
import type { AppEnv } from "./env.js";
import { Problem, problemBody, type FieldError } from "./problems.js";

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

const TARGET_PREFIX: Record<string, string> = { json: "", query: "?", param: ":", header: "header:" };

/** Turns a zod failure into one INVALID_ARGUMENT naming each offending field by JSON pointer. */
export function validationProblem(error: ZodError, target: string): Problem {
  const prefix = TARGET_PREFIX[target] ?? "";
  const pointer = (path: PropertyKey[]) =>
    target === "json" ? path.map((part) => `/${String(part).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("") : prefix + path.join(".");
  const errors: FieldError[] = error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ pointer: pointer([...issue.path, key]), detail: "unknown member" }))
      : [{ pointer: pointer(issue.path), detail: issue.message }],
  );
  const first = errors[0]!;
  const where = first.pointer === "" ? "the request body" : first.pointer;
  return new Problem("INVALID_ARGUMENT", `${where}: ${first.detail}`, errors);
}
