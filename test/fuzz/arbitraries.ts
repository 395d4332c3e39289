import fc from "fast-check";

/**
 * Phone numbers as callers write them: valid, invalid, national, spaced, foreign. Not the numbers
 * the API itself shows as examples, which an answer may name whatever was sent.
 */
export const phoneNumber: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "+8613987654321",
    "+8613800001111",
    "13987654321",
    "139 8765 4321",
    "+86 139-8765-4321",
    "+8619487654321",
    "+14155552671",
    "tel:+8613987654321",
    "008613987654321",
  ),
  fc.stringMatching(/^\+86139\d{8}$/),
  fc.stringMatching(/^\+86138\d{8}$/),
  fc.stringMatching(/^1[3-9]\d{9}$/),
);

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.constantFrom("", " ", "账户", "\u0000", "\u202e", "a".repeat(129), "x".repeat(5000), "../..", "%00"),
  phoneNumber,
);

/** Any value in the wrong place: other types, huge or odd strings, numbers, deep values. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  text,
  phoneNumber,
  fc.constantFrom(null, true, 0, -1, 1e308, 12345678901, [], {}, "x".repeat(200_000)),
  fc.array(phoneNumber, { maxLength: 3 }),
);

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  format?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
}

const timestamp = fc.oneof(
  fc
    .date({ min: new Date("2000-01-01"), max: new Date("2030-01-01"), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom("2026-01-14T00:00:00Z", "2026-01-15T08:00:00+08:00", "2099-01-01T00:00:00Z", "2026-13-45T99:00:00Z"),
);

/**
 * Values for a JSON Schema from the OpenAPI document, mostly well typed (so requests reach the
 * rules behind validation) and now and then anything at all, at every depth.
 */
export function fromSchema(schema: Schema, components: Record<string, Schema>, name = ""): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 5, arbitrary: wellTyped(schema, components, name) }, { weight: 1, arbitrary: wrongValue });
}

function wellTyped(schema: Schema, components: Record<string, Schema>, name: string): fc.Arbitrary<unknown> {
  if (schema.$ref) return wellTyped(components[schema.$ref.split("/").pop()!]!, components, name);
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) return fc.oneof(...choices.map((choice) => wellTyped(choice, components, name)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "string":
      if (schema.format === "date-time" || /_at$|since|date/i.test(name)) return timestamp;
      if (/phone/i.test(name)) return phoneNumber;
      return fc.oneof(
        { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
        { weight: 2, arbitrary: text },
      );
    case "integer":
    case "number":
      return fc.integer({ min: (schema.minimum ?? 0) - 1, max: (schema.maximum ?? 1000) + 1 });
    case "boolean":
      return fc.boolean();
    case "array": {
      const item = fromSchema(schema.items ?? {}, components, name);
      return fc.oneof(
        { weight: 8, arbitrary: fc.array(item, { minLength: schema.minItems ?? 0, maxLength: 4 }) },
        { weight: 1, arbitrary: fc.array(item, { minLength: 100, maxLength: 300 }) },
      );
    }
    case "object": {
      const properties = schema.properties ?? {};
      const record = fc.record(
        Object.fromEntries(
          Object.entries(properties).map(([key, property]) => [key, fromSchema(property, components, key)]),
        ),
        { requiredKeys: (schema.required ?? []).filter((key) => key in properties) },
      );
      return fc.oneof(
        { weight: 6, arbitrary: record },
        { weight: 1, arbitrary: fc.tuple(record, fc.oneof(phoneNumber, fc.string()), wrongValue).map(extraMember) },
      );
    }
    default:
      return wrongValue;
  }
}

function extraMember([value, name, extra]: [Record<string, unknown>, string, unknown]) {
  return { ...value, [name]: extra };
}

/** How a body is spoiled on the wire: as is, a member twice, bad bytes, a lone surrogate, cut. */
export type Spoil =
  | { kind: "none" }
  | { kind: "duplicate"; with: unknown }
  | { kind: "bytes"; at: number; bytes: number[] }
  | { kind: "surrogate"; unit: string }
  | { kind: "cut"; at: number }
  | { kind: "random"; bytes: Uint8Array<ArrayBuffer> };

export const spoil: fc.Arbitrary<Spoil> = fc.oneof(
  { weight: 20, arbitrary: fc.constant({ kind: "none" as const }) },
  { weight: 2, arbitrary: wrongValue.map((value) => ({ kind: "duplicate" as const, with: value })) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("bytes" as const),
      at: fc.nat(),
      bytes: fc.constantFrom<number[]>(
        [0xff],
        [0xc0, 0xaf],
        [0xe2, 0x82],
        [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80],
        [0x80],
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("surrogate" as const),
      unit: fc.constantFrom("\\ud800", "\\udfff", "\\ud83d"),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("random" as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
  },
);

/** The body's bytes: JSON of `value`, spoiled as drawn. */
export function encodeBody(value: unknown, how: Spoil): Uint8Array<ArrayBuffer> {
  let json = JSON.stringify(value) ?? "null";
  if (how.kind === "duplicate" && json.startsWith("{") && json !== "{}") {
    // The first member again, with another value: the text JSON.stringify can never produce.
    const name = Object.keys(value as object)[0]!;
    json = `${json.slice(0, -1)},${JSON.stringify(name)}:${JSON.stringify(how.with) ?? "null"}}`;
  } else if (how.kind === "surrogate") {
    json = json.replace(/"([^"\\]*)"(?=\s*[,}\]])/, `"$1${how.unit}"`);
  } else if (how.kind === "cut") {
    json = json.slice(0, how.at % (json.length + 1));
  }
  if (how.kind === "random") return how.bytes;
  return spoilBytes(new TextEncoder().encode(json), how);
}

/** Bytes that are not UTF-8 put into `bytes`, when that is the spoil drawn. */
export function spoilBytes(bytes: Uint8Array<ArrayBuffer>, how: Spoil): Uint8Array<ArrayBuffer> {
  if (how.kind !== "bytes") return bytes;
  const at = how.at % (bytes.length + 1);
  return new Uint8Array([...bytes.subarray(0, at), ...how.bytes, ...bytes.subarray(at)]);
}

/** Path segments: real names, numbers (plain and percent-encoded), odd encodings and unicode. */
export const segment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "v1",
    "bindings",
    "numbers",
    "me",
    "admin",
    "clients",
    "events",
    "audit",
    "oauth",
    "token",
    ".well-known",
    "jwks.json",
    "check-recycled",
    "healthz",
    "docs",
    "openapi.json",
    "..",
    "%2e%2e",
    "%00",
    "%ZZ",
    "%",
    "%C0%AF",
    "%ED%A0%80",
    "%F0%9F%98%80",
    "~",
    "",
    "null",
    "0",
  ),
  phoneNumber.map((n) => encodeURIComponent(n)),
  phoneNumber.map((n) => n.replace(/ /g, "")),
  fc.string({ unit: "grapheme", maxLength: 8 }).map((s) => encodeURIComponent(s)),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
);
