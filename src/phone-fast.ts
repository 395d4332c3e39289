// Fast paths for src/phone.ts: parsing/validation and HMAC-SHA256 at memory speed.
//
// Parsing. libphonenumber-js rebuilds each regular expression from its metadata strings on every
// check (`matchesEntirely` does `new RegExp(...)`), which makes a parse cost ~25 µs. `parseFast`
// follows libphonenumber-js 1.13's `parsePhoneNumberWithError(input, { defaultCountry, extract:
// false })` + `isValid()` step by step, over the same metadata object, with each numbering plan's
// patterns compiled once, on first use. Its domain: inputs of ASCII digits, a leading "+" and the
// separators " -().", with no default region or an upper-case one that the metadata knows. There,
// libphonenumber's extension, RFC 3966 and non-ASCII digit handling can't trigger. Anything else
// is "unsupported" and phone.ts asks libphonenumber-js itself. The names in comments are
// libphonenumber-js's (source/helpers/*.js), to compare line by line; when upgrading it, re-read
// those helpers. test/unit/phone-equivalence.test.ts checks the verdicts on 1M numbers.
//
// Hashing. createHmac costs 6-10 µs a call in Node 20 (key import, object set-up), more than the
// whole parse, and Hash.copy() of pre-keyed hashes is no faster: the native calls are the cost.
// An HMAC key only sets SHA-256's starting state, so the two keyed states are computed once per
// pepper and each hash is then two SHA-256 block compressions in plain JS (~1 µs).

import { createHash, createHmac } from "node:crypto";
import metadataJson from "libphonenumber-js/metadata.max.json";

export interface ParsedNumber {
  e164: string;
  countryCallingCode: string;
  nationalNumber: string;
}

export type FastVerdict = ParsedNumber | "invalid" | "unsupported";

// Version 4 metadata, as libphonenumber-js's NumberingPlan class reads it (falsy = absent).
type TypeJson = [pattern: string, possibleLengths?: number[]] | 0 | null | undefined;
type PlanJson = [
  callingCode: string,
  iddPrefix: unknown,
  nationalNumberPattern: string,
  possibleLengths: number[] | undefined,
  formats: unknown,
  nationalPrefix: string | 0 | null,
  formattingRule: unknown,
  nationalPrefixForParsing: string | 0 | null,
  transformRule: string | 0 | null,
  optional: unknown,
  leadingDigits: string | 0 | null,
  types: TypeJson[] | undefined,
];
const metadata = metadataJson as unknown as {
  country_calling_codes: Record<string, string[]>;
  countries: Record<string, PlanJson>;
  nonGeographic: Record<string, PlanJson>;
};
if ((metadataJson as { version?: unknown }).version !== 4)
  throw new Error("phone-fast.ts reads libphonenumber-js metadata version 4");

interface TypePattern {
  pattern: RegExp;
  lengths: number[] | undefined;
}

interface Plan {
  callingCode: string;
  /** Metadata.getCountryCodesForCallingCode(callingCode): undefined for non-geographic codes. */
  countries: string[] | undefined;
  /** stripIddPrefix's `new RegExp(IDDPrefix)`, anchored: it only counts a match at 0. */
  idd: RegExp;
  national: RegExp;
  lengths: number[] | undefined;
  prefixForParsing: RegExp | undefined;
  transformRule: string | undefined;
  /** getCountryByNationalNumber's `search(leadingDigits) === 0`, anchored. */
  leadingDigits: RegExp | undefined;
  hasTypes: boolean;
  types: TypePattern[];
}

function countriesOf(callingCode: string): string[] | undefined {
  const countries = metadata.country_calling_codes[callingCode];
  return countries && !(countries.length === 1 && countries[0]!.length === 3) ? countries : undefined;
}

function compilePlan(json: PlanJson): Plan {
  const [
    callingCode,
    idd,
    national,
    lengths,
    ,
    nationalPrefix,
    ,
    prefixForParsing,
    transformRule,
    ,
    leadingDigits,
    types,
  ] = json;
  const parsing = prefixForParsing || nationalPrefix;
  // getNumberType is defined iff one of the ten types matches, so their order is free: mobile
  // first, as most numbers people give are mobile, then fixed line, toll free and the rest.
  const typePatterns: TypePattern[] = [];
  for (const type of types ? [types[1], ...types.slice(0, 1), ...types.slice(2)] : []) {
    if (Array.isArray(type) && type[0])
      typePatterns.push({ pattern: new RegExp(`^(?:${type[0]})$`), lengths: type[1] || lengths });
  }
  return {
    callingCode,
    countries: countriesOf(callingCode),
    idd: new RegExp(`^(?:${new RegExp(idd as string).source})`),
    national: new RegExp(`^(?:${national})$`),
    lengths,
    prefixForParsing: parsing ? new RegExp(`^(?:${parsing})`) : undefined,
    transformRule: transformRule || undefined,
    leadingDigits: leadingDigits ? new RegExp(`^(?:${leadingDigits})`) : undefined,
    hasTypes: !!types && types.length !== 0,
    types: typePatterns,
  };
}

const countryPlans = new Map<string, Plan>();
const callingCodePlans = new Map<string, Plan>();
const regionPlans = new Map<string, Plan | null>();

function countryPlan(country: string): Plan {
  let plan = countryPlans.get(country);
  if (!plan) {
    plan = compilePlan(metadata.countries[country]!);
    countryPlans.set(country, plan);
  }
  return plan;
}

/** Metadata.selectNumberingPlan(callingCode): the calling code's main country, or its non-geographic plan. */
function callingCodePlan(callingCode: string): Plan {
  let plan = callingCodePlans.get(callingCode);
  if (!plan) {
    const main = countriesOf(callingCode)?.[0];
    plan = main ? countryPlan(main) : compilePlan(metadata.nonGeographic[callingCode]!);
    callingCodePlans.set(callingCode, plan);
  }
  return plan;
}

/** A default region's plan, or null where libphonenumber itself must judge (unknown, lower case, "001"). */
function regionPlan(region: string): Plan | null {
  let plan = regionPlans.get(region);
  if (plan === undefined) {
    plan = /^[A-Z]{2}$/.test(region) && Object.hasOwn(metadata.countries, region) ? countryPlan(region) : null;
    regionPlans.set(region, plan);
  }
  return plan;
}

/** Metadata.hasCallingCode for every code, indexed by its value: codes never start with 0. */
const CALLING_CODES: (string | undefined)[] = [];
for (const code of [...Object.keys(metadata.country_calling_codes), ...Object.keys(metadata.nonGeographic)]) {
  if (countriesOf(code) || metadata.nonGeographic[code]) CALLING_CODES[Number(code)] = code;
}

export function parseFast(input: string, defaultRegion: string | undefined): FastVerdict {
  const region = defaultRegion ? regionPlan(defaultRegion) : undefined;
  if (region === null) return "unsupported";
  // parseIncompletePhoneNumber, over the alphabet this path is proven on.
  let digits = "";
  let from = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c >= 48 && c <= 57) continue;
    if (c === 32 || c === 45 || c === 40 || c === 41 || c === 46 || (c === 43 && i === 0)) {
      digits += input.slice(from, i);
      from = i + 1;
    } else {
      return "unsupported";
    }
  }
  digits = from === 0 ? input : digits + input.slice(from);
  // isViablePhoneNumber: three digits among the punctuation, or exactly two bare digits.
  if (digits.length < 3 && !(digits.length === 2 && input.length === 2)) return "invalid";

  // extractCountryCallingCode + parse.js's parsePhoneNumber: a calling code from "+", from an IDD
  // prefix, or from the region's own code written without "+"; else a national number.
  let callingCode: string | undefined;
  let number = digits;
  let plan: Plan;
  let country: string | undefined;
  if (input.charCodeAt(0) === 43) {
    callingCode = callingCodeAt(digits);
  } else if (region) {
    const idd = region.idd.exec(digits)?.[0];
    const afterIdd = idd ? digits.slice(idd.length) : "";
    if (afterIdd && afterIdd[0] !== "0") {
      number = afterIdd;
      callingCode = callingCodeAt(afterIdd);
    } else if (hasOwnCallingCodeWithoutPlus(digits, region)) {
      callingCode = region.callingCode;
    } else {
      country = defaultRegion;
    }
  }
  if (callingCode) {
    number = number.slice(callingCode.length);
    plan = callingCodePlan(callingCode);
  } else if (country && region) {
    plan = region;
    callingCode = plan.callingCode;
  } else {
    return "invalid";
  }
  if (!number) return "invalid";

  const nationalNumber = extractNationalNumber(number, plan);
  const exact = countryByCallingCode(plan, nationalNumber);
  if (exact) country = exact;
  if (nationalNumber.length < 2 || nationalNumber.length > 17) return "invalid";

  // PhoneNumber.isValid(): the exact country's plan, or the calling code's.
  const validity = country ? countryPlan(country) : plan;
  const valid = validity.hasTypes ? hasNumberType(nationalNumber, validity) : validity.national.test(nationalNumber);
  return valid
    ? { e164: `+${callingCode}${nationalNumber}`, countryCallingCode: callingCode, nationalNumber }
    : "invalid";
}

/** The calling code loop of extractCountryCallingCode: codes are prefix-free, so the first known one wins. */
function callingCodeAt(international: string): string | undefined {
  if (international.charCodeAt(0) === 48) return undefined;
  let value = 0;
  for (let length = 1; length <= 3 && length <= international.length; length++) {
    value = value * 10 + international.charCodeAt(length - 1) - 48;
    const code = CALLING_CODES[value];
    if (code !== undefined) return code;
  }
  return undefined;
}

/** extractCountryCallingCodeFromInternationalNumberWithoutPlusSign, e.g. "8613912345678" in CN. */
function hasOwnCallingCodeWithoutPlus(digits: string, region: Plan): boolean {
  if (!digits.startsWith(region.callingCode)) return false;
  const shorter = extractNationalNumber(digits.slice(region.callingCode.length), region);
  const whole = extractNationalNumber(digits, region);
  return (
    (!region.national.test(whole) && region.national.test(shorter)) || checkLength(whole, region.lengths) === "TOO_LONG"
  );
}

/** extractNationalNumber: strip a national prefix only if what is left still looks like a number. */
function extractNationalNumber(number: string, plan: Plan): string {
  const stripped = stripNationalPrefix(number, plan);
  if (stripped === number) return number;
  if (plan.national.test(number) && !plan.national.test(stripped)) return number;
  if (plan.lengths) {
    const country = countryByCallingCode(plan, stripped);
    const length = checkLength(stripped, country ? countryPlan(country).lengths : plan.lengths);
    if (length === "TOO_SHORT" || length === "INVALID_LENGTH") return number;
  }
  return stripped;
}

/** extractNationalNumberFromPossiblyIncompleteNumber, without the carrier code nobody here reads. */
function stripNationalPrefix(number: string, plan: Plan): string {
  const pattern = plan.prefixForParsing;
  const match = number && pattern ? pattern.exec(number) : null;
  if (!match) return number;
  const groups = match.length - 1;
  const captured = groups > 0 && match[groups];
  if (plan.transformRule && captured) return number.replace(pattern!, plan.transformRule);
  return number.slice(match[0].length);
}

/**
 * getCountryByCallingCode(plan's calling code) / getCountryByNationalNumber: the one country, or
 * among those sharing the code the first whose leading digits match (if it has them), else whose
 * types do.
 */
function countryByCallingCode(plan: Plan, nationalNumber: string): string | undefined {
  const countries = plan.countries;
  if (!countries || countries.length === 1) return countries?.[0];
  for (const country of countries) {
    const candidate = countryPlan(country);
    if (candidate.leadingDigits) {
      if (nationalNumber && candidate.leadingDigits.test(nationalNumber)) return country;
    } else if (hasNumberType(nationalNumber, candidate)) {
      return country;
    }
  }
  return undefined;
}

/** getNumberType(...) !== undefined. */
function hasNumberType(nationalNumber: string, plan: Plan): boolean {
  if (!plan.national.test(nationalNumber)) return false;
  for (const type of plan.types) {
    if ((!type.lengths || type.lengths.includes(nationalNumber.length)) && type.pattern.test(nationalNumber))
      return true;
  }
  return false;
}

/** checkNumberLength without a type. */
function checkLength(nationalNumber: string, lengths: number[] | undefined): string {
  if (!lengths) return "IS_POSSIBLE";
  const length = nationalNumber.length;
  if (lengths[0] === length) return "IS_POSSIBLE";
  if (lengths[0]! > length) return "TOO_SHORT";
  if (lengths[lengths.length - 1]! < length) return "TOO_LONG";
  return lengths.indexOf(length, 1) >= 0 ? "IS_POSSIBLE" : "INVALID_LENGTH";
}

// ---------------------------------------------------------------------------------------------
// HMAC-SHA256 (RFC 2104, FIPS 180-4) from per-pepper keyed states.

const ROUND_CONSTANTS = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
const INITIAL = new Int32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const schedule = new Int32Array(64);
const outer = new Int32Array(8);

const Σ0 = (x: number) => ((x >>> 2) | (x << 30)) ^ ((x >>> 13) | (x << 19)) ^ ((x >>> 22) | (x << 10));
const Σ1 = (x: number) => ((x >>> 6) | (x << 26)) ^ ((x >>> 11) | (x << 21)) ^ ((x >>> 25) | (x << 7));
const σ0 = (x: number) => ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
const σ1 = (x: number) => ((x >>> 17) | (x << 15)) ^ ((x >>> 19) | (x << 13)) ^ (x >>> 10);

/**
 * One SHA-256 block: `out` = compress(`state`, W[0..15]). Each round is three lines (T1 added into
 * h and d, then T2 into h), unrolled by eight so that the names rotate instead of the values: ~20%
 * faster than moving eight variables a round.
 */
function compress(state: Int32Array, out: Int32Array): void {
  // Locals, not the module's consts: bundlers (esbuild, wrangler) turn those into vars, which V8
  // then re-reads on every use — a third slower.
  const W = schedule,
    K = ROUND_CONSTANTS;
  for (let t = 16; t < 64; t++) W[t] = (W[t - 16]! + σ0(W[t - 15]!) + W[t - 7]! + σ1(W[t - 2]!)) | 0;
  let a = state[0]!,
    b = state[1]!,
    c = state[2]!,
    d = state[3]!,
    e = state[4]!,
    f = state[5]!,
    g = state[6]!,
    h = state[7]!;
  for (let t = 0; t < 64; t += 8) {
    h = (h + Σ1(e) + (g ^ (e & (f ^ g))) + K[t]! + W[t]!) | 0;
    d = (d + h) | 0;
    h = (h + Σ0(a) + ((a & b) | (c & (a | b)))) | 0;
    g = (g + Σ1(d) + (f ^ (d & (e ^ f))) + K[t + 1]! + W[t + 1]!) | 0;
    c = (c + g) | 0;
    g = (g + Σ0(h) + ((h & a) | (b & (h | a)))) | 0;
    f = (f + Σ1(c) + (e ^ (c & (d ^ e))) + K[t + 2]! + W[t + 2]!) | 0;
    b = (b + f) | 0;
    f = (f + Σ0(g) + ((g & h) | (a & (g | h)))) | 0;
    e = (e + Σ1(b) + (d ^ (b & (c ^ d))) + K[t + 3]! + W[t + 3]!) | 0;
    a = (a + e) | 0;
    e = (e + Σ0(f) + ((f & g) | (h & (f | g)))) | 0;
    d = (d + Σ1(a) + (c ^ (a & (b ^ c))) + K[t + 4]! + W[t + 4]!) | 0;
    h = (h + d) | 0;
    d = (d + Σ0(e) + ((e & f) | (g & (e | f)))) | 0;
    c = (c + Σ1(h) + (b ^ (h & (a ^ b))) + K[t + 5]! + W[t + 5]!) | 0;
    g = (g + c) | 0;
    c = (c + Σ0(d) + ((d & e) | (f & (d | e)))) | 0;
    b = (b + Σ1(g) + (a ^ (g & (h ^ a))) + K[t + 6]! + W[t + 6]!) | 0;
    f = (f + b) | 0;
    b = (b + Σ0(c) + ((c & d) | (e & (c | d)))) | 0;
    a = (a + Σ1(f) + (h ^ (f & (g ^ h))) + K[t + 7]! + W[t + 7]!) | 0;
    e = (e + a) | 0;
    a = (a + Σ0(b) + ((b & c) | (d & (b | c)))) | 0;
  }
  out[0] = state[0]! + a;
  out[1] = state[1]! + b;
  out[2] = state[2]! + c;
  out[3] = state[3]! + d;
  out[4] = state[4]! + e;
  out[5] = state[5]! + f;
  out[6] = state[6]! + g;
  out[7] = state[7]! + h;
}

interface KeyedStates {
  inner: Int32Array;
  outer: Int32Array;
}
const keyedStates = new Map<string, KeyedStates>();

/** SHA-256 state after the 64-byte block key ⊕ ipad, and after key ⊕ opad. */
function keyed(pepper: string): KeyedStates {
  let states = keyedStates.get(pepper);
  if (states) return states;
  let key = new TextEncoder().encode(pepper);
  if (key.length > 64) key = new Uint8Array(createHash("sha256").update(key).digest());
  const block = new Uint8Array(64);
  block.set(key);
  states = { inner: padded(block, 0x36), outer: padded(block, 0x5c) };
  if (keyedStates.size >= 16) keyedStates.clear(); // one pepper in practice; tests use a few
  keyedStates.set(pepper, states);
  return states;
}

function padded(key: Uint8Array, pad: number): Int32Array {
  const W = schedule;
  for (let i = 0; i < 16; i++) {
    W[i] =
      ((key[4 * i]! ^ pad) << 24) |
      ((key[4 * i + 1]! ^ pad) << 16) |
      ((key[4 * i + 2]! ^ pad) << 8) |
      (key[4 * i + 3]! ^ pad);
  }
  const state = new Int32Array(8);
  compress(INITIAL, state);
  return state;
}

const BASE64URL = new TextEncoder().encode("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
const encoded: number[] = new Array<number>(43).fill(0);

/** base64url(HMAC-SHA256(pepper, message)), byte for byte what createHmac gives. */
export function hmacSha256Base64url(pepper: string, message: string): string {
  // The inner hash's message is one block: up to 55 bytes and its padding (an E.164 is ≤ 16 ASCII).
  if (message.length > 55) return createHmac("sha256", pepper).update(message).digest("base64url");
  const states = keyed(pepper); // before W is filled: the first call per pepper compresses in W
  const W = schedule;
  let word = 0;
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    if (c > 0x7f) return createHmac("sha256", pepper).update(message).digest("base64url"); // UTF-8 is not one byte a char
    word = (word << 8) | c;
    if ((i & 3) === 3) {
      W[i >> 2] = word;
      word = 0;
    }
  }
  const tail = message.length & 3; // bytes in the last, partial word, then 0x80
  W[message.length >> 2] = (((word << 8) | 0x80) << (24 - 8 * tail)) | 0;
  for (let i = (message.length >> 2) + 1; i < 15; i++) W[i] = 0;
  W[15] = (64 + message.length) * 8;
  // compress reads W before it writes `out`: the inner digest lands as the outer block's first words.
  compress(states.inner, W);
  W[8] = 0x80000000;
  for (let i = 9; i < 15; i++) W[i] = 0;
  W[15] = (64 + 32) * 8;
  compress(states.outer, outer);
  // Three words are four 24-bit groups of four characters; 32 bytes make 43 characters.
  for (let i = 0, j = 0; i < 8; i += 3, j += 16) {
    const w0 = outer[i]!,
      w1 = outer[i + 1]!,
      w2 = i + 2 < 8 ? outer[i + 2]! : 0;
    sextets(w0 >>> 8, j);
    sextets(((w0 & 0xff) << 16) | (w1 >>> 16), j + 4);
    sextets(((w1 & 0xffff) << 8) | (w2 >>> 24), j + 8);
    if (j + 12 < 43) sextets(w2 & 0xffffff, j + 12);
  }
  return String.fromCharCode.apply(null, encoded);
}

function sextets(group: number, at: number): void {
  encoded[at] = BASE64URL[group >>> 18]!;
  encoded[at + 1] = BASE64URL[(group >>> 12) & 63]!;
  encoded[at + 2] = BASE64URL[(group >>> 6) & 63]!;
  if (at + 3 < 43) encoded[at + 3] = BASE64URL[group & 63]!;
}
