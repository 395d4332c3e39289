import { createHmac } from "node:crypto";
import { type CountryCode, parsePhoneNumberWithError } from "libphonenumber-js/max";

export interface PhoneNumber {
  e164: string;
  /** HMAC-SHA256(pepper, e164), base64url: the only form in which a number is stored. */
  hash: string;
  /** Masked for people to read: `+86139****5678`. */
  hint: string;
}

interface ParsedNumber {
  e164: string;
  countryCallingCode: string;
  nationalNumber: string;
}

/** One parse with full metadata (the costly part of a number's handling), or undefined when not valid. */
function parseValid(input: string, defaultRegion?: string): ParsedNumber | undefined {
  if (input.length > 32 || !/^\+?[\d\s\-().]+$/.test(input)) return undefined;
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

export function hashPhone(pepper: string, e164: string): string {
  return createHmac("sha256", pepper).update(e164).digest("base64url");
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
