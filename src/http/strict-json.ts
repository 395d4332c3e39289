import { Problem } from "./problems.js";
import { utf8OrUndefined, validUtf8Prefix } from "./utf8.js";

/**
 * Strict reading of request bodies (I-JSON, RFC 7493): UTF-8 without a single invalid byte, no
 * lone surrogate, no member twice in an object. JSON.parse accepts all three (replacing, keeping,
 * or letting the last member win), so that a proxy or a log that reads the first member, or
 * that decodes differently, would see another request than the one executed.
 *
 * Pure functions over bytes and strings, so that every door that reads JSON (bodies, NDJSON
 * lines) reads it the same way; utf8.ts does the same for any text, forms included.
 */

/** Deeper than any request schema needs; bounds the scanner's stack and the validator's work. */
const MAX_DEPTH = 64;

/** A member name is repeated in a pointer only when it cannot be caller data such as a number. */
const ECHOABLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const DIGIT_RUN = /\d{5}/;

type Path = (string | number)[];

/**
 * RFC 6901 pointer to `path`. A member name that is not a plain identifier (it could hold a phone
 * number or anything else the caller sent) ends the pointer at its parent, with `cut` set so the
 * caller can say "a member of" instead of naming it.
 */
export function jsonPointer(path: readonly PropertyKey[]): { pointer: string; cut: boolean } {
  let pointer = "";
  for (const part of path) {
    if (typeof part === "number") {
      pointer += `/${part}`;
    } else if (typeof part === "string" && ECHOABLE_NAME.test(part) && !DIGIT_RUN.test(part)) {
      pointer += `/${part}`;
    } else {
      return { pointer, cut: true };
    }
  }
  return { pointer, cut: false };
}

/** Where JSON text breaks the strict rules; `path` points at the member or element concerned. */
export interface JsonFault {
  kind: "syntax" | "end" | "duplicate" | "surrogate" | "depth";
  path: Path;
  /** The fault is inside a member name rather than a value. */
  inName: boolean;
}

interface Frame {
  array: boolean;
  /** The element's index, or the member's name once read. */
  at: number | string | undefined;
  names: Set<string> | undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: RFC 8259 strings end at these: quote, escape, raw controls.
const PLAIN = /[^"\\\u0000-\u001f\ud800-\udfff]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/**
 * Checks JSON text (RFC 8259) against the I-JSON rules without building a value: undefined when
 * it is strict JSON, else the first fault. Iterative, so no input can exhaust the call stack.
 */
export function findJsonFault(text: string): JsonFault | undefined {
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  const path = (): Path => stack.flatMap((frame) => (frame.at === undefined ? [] : [frame.at]));
  const fault = (kind: JsonFault["kind"], inName = false): JsonFault => ({ kind, path: path(), inName });
  const skipWhitespace = () => {
    while (i < n && isWhitespace(text.charCodeAt(i))) i++;
  };

  /** Reads the string at i (an opening quote); returns its value when `decode`, or a fault. */
  const readString = (decode: boolean, inName: boolean): string | JsonFault => {
    let value = "";
    i++;
    for (;;) {
      PLAIN.lastIndex = i;
      PLAIN.test(text);
      if (decode) value += text.slice(i, PLAIN.lastIndex);
      i = PLAIN.lastIndex;
      if (i >= n) return fault("end", inName);
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        i++;
        return value;
      }
      if (code === 0x5c) {
        const escaped = text[i + 1];
        if (escaped === undefined) return fault("end", inName);
        if (escaped !== "u") {
          const simple = SIMPLE_ESCAPES[escaped];
          if (simple === undefined) return fault("syntax", inName);
          if (decode) value += simple;
          i += 2;
          continue;
        }
        const hex = text.slice(i + 2, i + 6);
        if (!HEX4.test(hex)) return fault(hex.length < 4 && i + 6 > n ? "end" : "syntax", inName);
        const unit = Number.parseInt(hex, 16);
        i += 6;
        if (unit >= 0xdc00 && unit <= 0xdfff) return fault("surrogate", inName);
        if (unit >= 0xd800 && unit <= 0xdbff) {
          // A high surrogate is whole only with an escaped low one right after it.
          const low = text.slice(i + 2, i + 6);
          const lowUnit = text.startsWith("\\u", i) && HEX4.test(low) ? Number.parseInt(low, 16) : -1;
          if (lowUnit < 0xdc00 || lowUnit > 0xdfff) return fault("surrogate", inName);
          if (decode) value += String.fromCharCode(unit, lowUnit);
          i += 6;
          continue;
        }
        if (decode) value += String.fromCharCode(unit);
        continue;
      }
      if (code < 0x20) return fault("syntax", inName);
      // A raw surrogate (text that did not come from UTF-8): only a whole pair is a character.
      const next = text.charCodeAt(i + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        if (decode) value += text.slice(i, i + 2);
        i += 2;
        continue;
      }
      return fault("surrogate", inName);
    }
  };

  /** Reads `"name":` into the top frame; a fault when it is malformed or repeated. */
  const readName = (frame: Frame): JsonFault | undefined => {
    if (i >= n) return fault("end", true);
    if (text.charCodeAt(i) !== 0x22) return fault("syntax", true);
    const name = readString(true, true);
    if (typeof name !== "string") return name;
    frame.at = name;
    if (frame.names!.has(name)) return fault("duplicate");
    frame.names!.add(name);
    skipWhitespace();
    if (i >= n) return fault("end");
    if (text.charCodeAt(i) !== 0x3a) return fault("syntax");
    i++;
    return undefined;
  };

  for (;;) {
    // A value starts at i.
    skipWhitespace();
    if (i >= n) return fault("end");
    const code = text.charCodeAt(i);
    if (code === 0x7b || code === 0x5b) {
      if (stack.length >= MAX_DEPTH) return fault("depth");
      const array = code === 0x5b;
      i++;
      skipWhitespace();
      if (i < n && text.charCodeAt(i) === (array ? 0x5d : 0x7d)) {
        i++;
      } else {
        const frame: Frame = { array, at: array ? 0 : undefined, names: array ? undefined : new Set() };
        stack.push(frame);
        if (!array) {
          const bad = readName(frame);
          if (bad) return bad;
        }
        continue;
      }
    } else if (code === 0x22) {
      const bad = readString(false, false);
      if (typeof bad !== "string") return bad;
    } else if (text.startsWith("true", i)) {
      i += 4;
    } else if (text.startsWith("false", i)) {
      i += 5;
    } else if (text.startsWith("null", i)) {
      i += 4;
    } else {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) return fault("syntax");
      i = NUMBER.lastIndex;
    }
    // A value ended: close what it completes, or move to the next element or member.
    for (;;) {
      skipWhitespace();
      const frame = stack.at(-1);
      if (!frame) return i === n ? undefined : fault("syntax");
      if (i >= n) return fault("end");
      const next = text.charCodeAt(i);
      if (next === 0x2c) {
        i++;
        if (frame.array) {
          frame.at = (frame.at as number) + 1;
        } else {
          frame.at = undefined;
          skipWhitespace();
          const bad = readName(frame);
          if (bad) return bad;
        }
        break;
      }
      if (next !== (frame.array ? 0x5d : 0x7d)) return fault("syntax");
      stack.pop();
      i++;
    }
  }
}

/** The problem for a fault, pointing at the member or element (never naming an odd member). */
function faultProblem(fault: JsonFault, invalidUtf8 = false): Problem {
  if (fault.kind === "syntax" || (fault.kind === "end" && !invalidUtf8)) {
    return new Problem("INVALID_ARGUMENT", "the request body is not valid JSON");
  }
  const { pointer, cut } = jsonPointer(fault.path);
  const named = !cut && !fault.inName;
  let detail: string;
  if (invalidUtf8) detail = named ? "is not valid UTF-8" : "has a member name that is not valid UTF-8";
  else if (fault.kind === "surrogate")
    detail = named ? "holds a lone surrogate (\\ud800-\\udfff unpaired)" : "has a member name with a lone surrogate";
  else if (fault.kind === "duplicate")
    detail = cut ? "has a member twice; send each member once" : "appears twice; send each member once";
  else detail = `nests deeper than ${MAX_DEPTH} levels`;
  const where = pointer === "" ? "the request body" : pointer;
  return new Problem("INVALID_ARGUMENT", `${where}: ${detail}`, [{ pointer, detail }]);
}

/** Parses JSON text under the I-JSON rules, or throws INVALID_ARGUMENT pointing at the member. */
export function parseStrictJson(text: string): unknown {
  const fault = findJsonFault(text);
  if (fault) throw faultProblem(fault);
  return JSON.parse(text);
}

/**
 * Decodes and checks a JSON body (or one NDJSON line): returns the text, whose JSON.parse is then
 * exactly the strict value, or throws INVALID_ARGUMENT naming the member with the bad bytes.
 */
export function strictJsonText(bytes: Uint8Array): string {
  const text = utf8OrUndefined(bytes);
  if (text === undefined) {
    // Scan the valid part: where it stops is the member the bad bytes are in.
    const fault = findJsonFault(validUtf8Prefix(bytes).text);
    throw faultProblem(fault?.kind === "end" ? fault : { kind: "end", path: [], inName: false }, true);
  }
  const fault = findJsonFault(text);
  if (fault) throw faultProblem(fault);
  return text;
}
