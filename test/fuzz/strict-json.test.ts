import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Problem } from "../../src/http/problems.js";
import { findJsonFault, parseStrictJson, strictJsonText } from "../../src/http/strict-json.js";
import { decodeUtf8Strict } from "../../src/http/utf8.js";

/** The strict reader against JSON.parse: the same language, minus what I-JSON forbids. */
const SEED = Number(process.env.FUZZ_SEED ?? 20260115);
const options = { seed: SEED, numRuns: 2000 };

/** Text made of JSON's own pieces, so that random strings are often almost JSON. */
const jsonish = fc
  .array(
    fc.constantFrom(
      "{",
      "}",
      "[",
      "]",
      ",",
      ":",
      '"',
      '"a"',
      '"b"',
      "1",
      "-0",
      "1.5e3",
      "01",
      "1.",
      ".5",
      "true",
      "false",
      "null",
      "nul",
      " ",
      "\n",
      "\t",
      "\\",
      "\\u0041",
      "\\ud800",
      "\\udc00",
      "\\ud83d\\ude00",
      "\\x",
      "\u0001",
      "é",
      "\ud800",
      "😀",
      "\ufeff",
    ),
    { maxLength: 24 },
  )
  .map((parts) => parts.join(""));

const jsonValue = fc.jsonValue({ maxDepth: 6, stringUnit: "binary" } as fc.JsonSharedConstraints);

/** Characters that may stand raw inside a JSON string. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: exactly the characters JSON forbids raw in strings.
const rawSafe = (text: string) => text.replace(/[\u0000-\u001f"\\]/g, "");

function problemOf(run: () => unknown): Problem | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
}

describe("the strict JSON reader", () => {
  it("reads whatever JSON.stringify writes exactly as JSON.parse does", () => {
    fc.assert(
      fc.property(jsonValue, fc.constantFrom(undefined, 1, "\t"), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(parseStrictJson(text)).toEqual(JSON.parse(text));
        expect(strictJsonText(new TextEncoder().encode(text))).toBe(text);
      }),
      options,
    );
  });

  it("accepts exactly JSON.parse's language, except duplicates, lone surrogates and deep nesting", () => {
    fc.assert(
      fc.property(fc.oneof(jsonish, fc.string({ unit: "binary" })), (text) => {
        const fault = findJsonFault(text);
        let parsed = true;
        try {
          JSON.parse(text);
        } catch {
          parsed = false;
        }
        if (fault === undefined) expect(parsed, text).toBe(true);
        else if (parsed) expect(["duplicate", "surrogate", "depth"], text).toContain(fault.kind);
      }),
      { ...options, numRuns: 10_000 },
    );
  });

  it("finds a member sent twice at any depth and points at it", () => {
    const name = fc.stringMatching(/^[a-z_]{1,8}$/);
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 4 }), name, jsonValue, jsonValue, (path, twice, a, b) => {
        let text = `{${JSON.stringify(twice)}:${JSON.stringify(a)},"\\u${twice.charCodeAt(0).toString(16).padStart(4, "0")}${twice.slice(1)}":${JSON.stringify(b)}}`;
        for (const member of [...path].reverse()) text = `{${JSON.stringify(member)}:[${text}]}`;
        const problem = problemOf(() => parseStrictJson(text));
        expect(problem?.errors?.[0]?.pointer).toBe(`${path.map((member) => `/${member}/0`).join("")}/${twice}`);
      }),
      options,
    );
  });

  it("finds lone surrogates, escaped or raw, and keeps pairs", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 10 }), fc.integer({ min: 0xd800, max: 0xdfff }), (s, unit) => {
        const lone = `${s}${String.fromCharCode(unit)}${s}`;
        for (const text of [JSON.stringify({ m: lone }), `{"m":"${rawSafe(lone)}"}`]) {
          const fault = findJsonFault(text);
          expect(fault?.kind, text).toBe("surrogate");
          expect(fault?.path).toEqual(["m"]);
        }
        expect(findJsonFault(JSON.stringify({ m: `${s}\u{1f600}` }))).toBeUndefined();
      }),
      options,
    );
  });

  it("refuses bytes that are not UTF-8 as TextDecoder's fatal mode does, naming the member they are in", () => {
    const badBytes = fc.constantFrom(
      [0xff],
      [0xc0, 0x80],
      [0xe2, 0x82],
      [0xed, 0xa0, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
    );
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 12 }), badBytes, fc.nat(), (s, bad, at) => {
        const encoded = new TextEncoder().encode(rawSafe(s));
        const cut = at % (encoded.length + 1);
        const bytes = new Uint8Array([
          ...new TextEncoder().encode('{"list":[1,{"name":"'),
          ...encoded.subarray(0, cut),
          ...bad,
          ...encoded.subarray(cut),
          ...new TextEncoder().encode('"}]}'),
        ]);
        const problem = problemOf(() => strictJsonText(bytes));
        // A cut through a character's bytes may move the fault, never out of the member.
        expect(problem?.errors?.[0]?.pointer).toBe("/list/1/name");
        expect(problemOf(() => decodeUtf8Strict(bytes))?.code).toBe("INVALID_ARGUMENT");
      }),
      options,
    );
  });

  it("reads a 1 MB body in bounded time and nesting", () => {
    const numbers = Array.from({ length: 40_000 }, (_, i) => `+86139${String(i).padStart(8, "0")}`);
    const text = JSON.stringify({ phone_numbers: numbers, account_ref: "x".repeat(100_000) });
    const started = performance.now();
    for (let i = 0; i < 10; i++) findJsonFault(text);
    const perMegabyte = (performance.now() - started) / 10 / (text.length / 1e6);
    console.log(`strict JSON scan: ${perMegabyte.toFixed(1)} ms per MB`);
    // Linear and quick; generous for a loaded machine (a quadratic scan would take seconds).
    expect(perMegabyte).toBeLessThan(250);
    expect(findJsonFault("[".repeat(1_000_000))?.kind).toBe("depth");
  });
});
