import { type CountryCode, parsePhoneNumberWithError } from "libphonenumber-js/max";
import { hmacSha256Base64url, type ParsedNumber, parseFast } from "./phone-fast.js";

export interface PhoneNumber {
  e164: string;
  /** HMAC-SHA256(pepper, e164), base64url: the only form in which a number is stored. */
  hash: string;
  /** Masked for people to read: `+86139****5678`. */
  hint: string;
}

/**
 * One parse with full metadata, or undefined when not valid. phone-fast.ts answers for the inputs it
 * is proven on (test/unit/phone-equivalence.test.ts) and hands anything else to libphonenumber-js.
 */
function parseValid(input: string, defaultRegion?: string): ParsedNumber | undefined {
  if (input.length > 32) return undefined;
  const fast = parseFast(input, defaultRegion);
  if (fast === "invalid") return undefined;
  if (fast !== "unsupported") return fast;
  // The fast path's alphabet is within this one, so only the inputs it leaves need the check.
  if (!/^\+?[\d\s\-().]+$/.test(input)) return undefined;
  return parseWithLibphonenumber(input, defaultRegion);
}

/** Plain libphonenumber-js/max, for what the fast path leaves. */
function parseWithLibphonenumber(input: string, defaultRegion?: string): ParsedNumber | undefined {
  try {
    const parsed = parsePhoneNumberWithError(input, {
      defaultCountry: defaultRegion as CountryCode | undefined,
      extract: false,
    });
    if (!parsed.isValid()) return undefined;
    return {
      e164: parsed.number,
      countryCallingCode: parsed.countryCallingCode,
      nationalNumber: parsed.nationalNumber,
    };
  } catch {
    return undefined;
  }
}

/** Normalises to E.164 with full metadata, or returns undefined for anything that is not a valid number. */
export function normalizePhone(input: string, defaultRegion: string): string | undefined {
  return parseValid(input, defaultRegion)?.e164;
}

/** Parses, validates, hashes and masks a number from a request, parsing it once. */
export function parsePhoneInput(pepper: string, input: string, defaultRegion: string): PhoneNumber | undefined {
  const parsed = parseValid(input, defaultRegion);
  return parsed && { e164: parsed.e164, hash: hashPhone(pepper, parsed.e164), hint: mask(parsed) };
}

/** HMAC-SHA256(pepper, e164), base64url: the same bytes as `createHmac("sha256", pepper)`. */
export function hashPhone(pepper: string, e164: string): string {
  return hmacSha256Base64url(pepper, e164);
}

export function maskPhone(e164: string): string {
  const parsed = parseValid(e164);
  if (!parsed) throw new Error("maskPhone needs a valid E.164 number");
  return mask(parsed);
}

function mask(parsed: Pick<ParsedNumber, "countryCallingCode" | "nationalNumber">): string {
  const national = parsed.nationalNumber;
  const tail = national.length >= 8 ? 4 : 2;
  const head = national.length >= 10 ? 3 : national.length >= 7 ? 1 : 0;
  const hidden = national.length - head - tail;
  return `+${parsed.countryCallingCode}${national.slice(0, head)}${"*".repeat(hidden)}${national.slice(head + hidden)}`;
}

/** An E.164 prefix as carriers are assigned them: "+" and 1 to 15 digits. */
export const E164_PREFIX = /^\+[1-9]\d{0,14}$/;
