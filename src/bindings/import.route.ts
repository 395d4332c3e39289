import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { MAX_CLOCK_SKEW_MS } from "../clock.js";
import { routeOfHash } from "../db/shards.js";
import type { AppEnv } from "../http/context.js";
import { defineRoute, json, PhoneNumberInput, Timestamp } from "../http/openapi.js";
import { Problem } from "../http/problems.js";
import { parseStrictJson } from "../http/strict-json.js";
import { parsePhoneInput } from "../phone.js";
import type { ImportOutcome, ImportRow } from "./import.js";

export const IMPORT_PATH = "/v1/bindings/import";
export const IMPORT_MEDIA_TYPE = /^application\/x-ndjson\s*(?:;|$)/i;
/** 10,000 lines of about 130 bytes each, with room to spare. */
export const IMPORT_MAX_BYTES = 4 * 1024 * 1024;
const MAX_LINES = 10_000;
/** Lines per shard transaction: other requests get in between slices. */
const LINES_PER_CALL = 1_000;

const ImportLine = z
  .strictObject({
    phone_number: PhoneNumberInput,
    account_ref: z.string().min(1).max(128),
    verified_at: Timestamp.optional(),
    last_seen_at: Timestamp.optional().openapi({
      description: "Defaults to now; older than the window imports as expired.",
    }),
  })
  .openapi("ImportLine");

const ImportResult = z
  .object({
    created: z.number().int(),
    refreshed: z.number().int(),
    unchanged: z.number().int(),
    expired: z.number().int().openapi({ description: "Stored as expired: last seen before the inactivity window." }),
    rejected: z.number().int(),
    errors: z
      .array(z.object({ line: z.number().int(), code: z.string(), detail: z.string() }))
      .openapi({ description: "One per rejected line, by line number; never the number itself." }),
  })
  .openapi("ImportResult");

const route = defineRoute({
  method: "post",
  path: IMPORT_PATH,
  tags: ["Bindings"],
  summary: "Import existing bindings (onboarding)",
  description:
    "Up to 10,000 NDJSON lines, each following the PUT /v1/bindings rules; importing the same lines again changes nothing. " +
    "A line whose number was reassigned after its verified_at is rejected with NUMBER_RECYCLED: verify that account again.",
  scope: "bindings",
  request: {
    body: {
      required: true,
      content: { "application/x-ndjson": { schema: ImportLine.openapi({ description: "One JSON object per line." }) } },
    },
  },
  responses: { 200: { description: "What each line did.", content: json(ImportResult) } },
});

type LineError = { line: number; code: string; detail: string };

/** Reads the NDJSON body into shard-ready rows and the errors of the lines that are not. */
function parseLines(text: string, appId: string, runtime: AppEnv["Variables"]["runtime"], now: number) {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  if (lines.length > MAX_LINES) {
    throw new Problem(
      "PAYLOAD_TOO_LARGE",
      `an import holds at most ${MAX_LINES} lines; split the file and send the rest next`,
    );
  }
  const rows: ImportRow[] = [];
  const errors: LineError[] = [];
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    if (raw.trim() === "") continue;
    let value: unknown;
    try {
      // The same I-JSON rules as every JSON body: no member twice, no lone surrogate.
      value = parseStrictJson(raw);
    } catch (error) {
      const detail = error instanceof Problem ? error.message : "is not a JSON object";
      errors.push({
        line,
        code: "INVALID_ARGUMENT",
        detail: error instanceof SyntaxError ? "is not a JSON object" : detail,
      });
      continue;
    }
    const parsed = ImportLine.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const member = issue.code === "unrecognized_keys" ? issue.keys[0] : issue.path.join("/");
      errors.push({ line, code: "INVALID_ARGUMENT", detail: `${member ? `/${member}: ` : ""}${issue.message}` });
      continue;
    }
    const body = parsed.data;
    const phone = parsePhoneInput(runtime.config.pepper, body.phone_number, runtime.config.defaultRegion);
    if (!phone) {
      errors.push({ line, code: "INVALID_ARGUMENT", detail: "/phone_number: is not a valid phone number" });
      continue;
    }
    const verifiedAt = body.verified_at === undefined ? undefined : Date.parse(body.verified_at);
    const seenAt = body.last_seen_at === undefined ? now : Date.parse(body.last_seen_at);
    if ((verifiedAt ?? 0) > now + MAX_CLOCK_SKEW_MS || seenAt > now + MAX_CLOCK_SKEW_MS) {
      errors.push({ line, code: "INVALID_ARGUMENT", detail: "verified_at and last_seen_at may not lie in the future" });
      continue;
    }
    rows.push({
      line,
      appId,
      phoneHash: phone.hash,
      phoneHint: phone.hint,
      route: routeOfHash(phone.hash),
      accountRef: body.account_ref,
      verifiedAt,
      // A verification is a sign of life too.
      lastSeenAt: Math.max(seenAt, verifiedAt ?? 0),
    });
  }
  return { rows, errors };
}

export function registerImportBindings(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { runtime, principal } = c.var;
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(await c.req.arrayBuffer());
    } catch {
      throw new Problem("INVALID_ARGUMENT", "the body is not UTF-8 text: send one JSON object per line");
    }
    const now = runtime.clock();
    const { inactivityMs } = runtime.config;
    const { rows, errors } = parseLines(text, principal.clientId, runtime, now);
    const { shards } = runtime;
    const outcomes: ImportOutcome[] = [];
    await Promise.all(
      shards
        .group(rows, (row) => row.phoneHash)
        .map(async ([index, group]) => {
          for (let start = 0; start < group.length; start += LINES_PER_CALL) {
            if (start > 0) await new Promise((resolve) => setTimeout(resolve, 0));
            const slice = group.slice(start, start + LINES_PER_CALL);
            outcomes.push(...(await shards.call(index, "importBindings", { rows: slice, now, inactivityMs })));
          }
        }),
    );
    const counts = { created: 0, refreshed: 0, unchanged: 0, expired: 0 };
    for (const outcome of outcomes) {
      if (typeof outcome === "string") counts[outcome] += 1;
      else errors.push(outcome);
    }
    errors.sort((a, b) => a.line - b.line);
    return c.json({ ...counts, rejected: errors.length, errors }, 200);
  });
}
