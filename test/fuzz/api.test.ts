import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import { contentType, extraHeaders, type Kind, SEED, send, startFuzzing, summary, tokenFor } from "./app-under-fuzz.js";
import { encodeBody, fromSchema, type Spoil, segment, spoil } from "./arbitraries.js";

/**
 * Every documented operation with bodies and parameters drawn from its own schema (and spoiled on
 * the wire), then random paths, methods and headers: see app-under-fuzz.ts for what each answer
 * must be.
 */
const RUNS = { operations: 1500, paths: 700 };
const BODY_METHODS = ["POST", "PUT", "PATCH"];

/** The caller an operation is meant for, from its path. */
function kindFor(path: string): Kind {
  if (path.startsWith("/v1/admin")) return "admin";
  if (path.startsWith("/v1/me")) return "person";
  if (/^\/v1\/numbers\/(bindings|events)/.test(path)) return "carrier";
  return "app";
}

function ndjson(lines: [unknown, Spoil][]): Uint8Array<ArrayBuffer> {
  const newline = new TextEncoder().encode("\n");
  return new Uint8Array(lines.flatMap(([value, how], i) => [...(i ? newline : []), ...encodeBody(value, how)]));
}

let document: any;
let ids: string[] = [];

beforeAll(async () => {
  const h = await startFuzzing();
  const victim = await h.client("app", "victim");
  document = (await h.request("GET", "/openapi.json")).json;
  const bound = await h.request("PUT", "/v1/bindings", {
    token: await tokenFor("app"),
    json: { phone_number: "+8613987654321", account_ref: "fuzz" },
  });
  // Ids the fuzzer may change or end: not the clients it sends as, whose tokens it keeps renewing.
  ids = [bound.json.id, victim.id, "bnd_01jabcdefghjkmnpqrstvwxyz"];
});

describe("fuzzing the API", () => {
  it("every documented operation, with bodies and parameters drawn from its schema", async () => {
    const components = document.components.schemas;
    const operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })),
    );
    const request = fc.oneof(
      ...operations.map(({ path, method, operation }) => {
        const content = operation.requestBody?.content ?? {};
        const schema = content["application/json"]?.schema;
        // NDJSON (the import): lines drawn from the line schema, each spoiled on its own.
        const lineSchema = content["application/x-ndjson"]?.schema;
        const query = (operation.parameters ?? []).filter((p: any) => p.in === "query");
        return fc.record({
          path: fc.constant(path),
          method: fc.constant(method),
          id: fc.oneof(fc.constantFrom(...ids), segment),
          query: fc.record(
            Object.fromEntries(query.map((p: any) => [p.name, fromSchema(p.schema, components, p.name).map(String)])),
            { requiredKeys: [] },
          ),
          body: schema ? fromSchema(schema, components) : fc.constant(undefined),
          lines: lineSchema
            ? fc.array(fc.tuple(fromSchema(lineSchema, components), spoil), { maxLength: 12 })
            : fc.constant(undefined),
          spoil,
          as: fc.oneof(
            { weight: 6, arbitrary: fc.constant(kindFor(path)) },
            {
              weight: 1,
              arbitrary: fc.constantFrom<Kind | "none" | "garbage">(
                "app",
                "carrier",
                "admin",
                "person",
                "none",
                "garbage",
              ),
            },
          ),
          contentType: lineSchema
            ? fc.oneof(
                { weight: 6, arbitrary: fc.constant("application/x-ndjson") },
                { weight: 1, arbitrary: contentType },
              )
            : contentType,
          headers: extraHeaders,
        });
      }),
    );
    await fc.assert(
      fc.asyncProperty(request, async (drawn) => {
        if (drawn.path === "/oauth/token") return;
        const headers: Record<string, string> = { ...drawn.headers };
        if (drawn.as === "garbage") headers.authorization = "Bearer eyJhbGciOiJub25lIn0.e30.";
        else if (drawn.as !== "none") headers.authorization = `Bearer ${await tokenFor(drawn.as)}`;
        const hasBody = BODY_METHODS.includes(drawn.method);
        if (hasBody && drawn.contentType) headers["content-type"] = drawn.contentType;
        const query = new URLSearchParams(drawn.query as Record<string, string>).toString();
        const path = drawn.path.replace("{id}", drawn.id) + (query ? `?${query}` : "");
        await send({
          method: drawn.method,
          path,
          headers,
          body: !hasBody ? undefined : drawn.lines ? ndjson(drawn.lines) : encodeBody(drawn.body, drawn.spoil),
        });
      }),
      { seed: SEED, numRuns: RUNS.operations },
    );
  }, 60_000);

  it("random paths, methods and headers", async () => {
    const request = fc.record({
      method: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "FOO"),
      segments: fc.array(segment, { minLength: 0, maxLength: 6 }),
      query: fc.array(fc.tuple(fc.constantFrom("limit", "cursor", "after", "account_ref", "status", "x"), segment), {
        maxLength: 3,
      }),
      as: fc.constantFrom<Kind | "none">("app", "carrier", "admin", "person", "none"),
      body: fc.jsonValue({ maxDepth: 3 }),
      spoil,
      contentType,
      headers: extraHeaders,
    });
    await fc.assert(
      fc.asyncProperty(request, async (drawn) => {
        const headers: Record<string, string> = { ...drawn.headers, "content-type": drawn.contentType };
        if (drawn.as !== "none") headers.authorization = `Bearer ${await tokenFor(drawn.as)}`;
        const query = drawn.query.map(([name, value]) => `${name}=${value}`).join("&");
        const path = `/${drawn.segments.join("/")}${query ? `?${query}` : ""}`;
        if (path.startsWith("/oauth/token")) return;
        await send({ method: drawn.method, path, headers, body: encodeBody(drawn.body, drawn.spoil) });
      }),
      { seed: SEED + 1, numRuns: RUNS.paths },
    );
    console.log(`fuzz: ${summary()}`);
  }, 60_000);
});
