import { createHmac } from "node:crypto";
import { parsePhoneNumberWithError, type CountryCode } from "libphonenumber-js/max";

export interface PhoneNumber {
  e164: string;
  /** HMAC-SHA256(pepper, e164), base64url: the only form in which a number is stored. */
  hash: string;
  /** Masked for people to read: `+86139****5678`. */
  hint: string;
}

/** Normalises to E.164 with full metadata, or returns undefined for anything that is not a valid number. */
export function normalizePhone(input: string, defaultRegion: string): string | undefined {
  if (input.length > 32 || !/^\+?[\d\s\-().]+$/.test(input)) return undefined;
  try {
    const parsed = parsePhoneNumberWithError(input, { defaultCountry: defaultRegion as CountryCode, extract: false });
    return parsed.isValid() ? parsed.number : undefined;
  } catch {
    return undefined;
  }
}

export function hashPhone(pepper: string, e164: string): string {
  return createHmac("sha256", pepper).update(e164).digest("base64url");
}

export function maskPhone(e164: string): string {
  const parsed = parsePhoneNumberWithError(e164);
  const national = parsed.nationalNumber as string;
  const tail = national.length >= 8 ? 4 : 2;
  const head = national.length >= 10 ? 3 : national.length >= 7 ? 1 : 0;
  const hidden = national.length - head - tail;
  return `+${parsed.countryCallingCode}${national.slice(0, head)}${"*".repeat(hidden)}${national.slice(head + hidden)}`;
}

export function phoneNumber(pepper: string, e164: string): PhoneNumber {
  return { e164, hash: hashPhone(pepper, e164), hint: maskPhone(e164) };
}

/** An E.164 prefix as carriers are assigned them: "+" and 1 to 15 digits. */
export const E164_PREFIX = /^\+[1-9]\d{0,14}$/;
