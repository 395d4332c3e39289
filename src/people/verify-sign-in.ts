import { AssertionRejected, type VerifiedAssertion, verifyClientAssertion } from "../auth/assertion.js";
import { MAX_CLOCK_SKEW_MS } from "../clock.js";
import type { Runtime } from "../http/context.js";
import { numbersOutsideResponsibility } from "../numbers/responsibility.js";
import { type PhoneNumber, parsePhoneInput } from "../phone.js";
import type { ErrorKind } from "./i18n.js";
import type { Session } from "./session.js";

/** What a carrier's sign-in proved: the person, or the reason to show them. */
export type SignInResult = { person: Omit<Session, "csrf"> } | { problem: ErrorKind };

const TEL_SUBJECT = /^tel:(\+\d{2,16})$/;
const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** UTC+14, the earliest time zone: a bare date counts from the first moment it began anywhere. */
const EARLIEST_OFFSET_MS = 14 * 3_600_000;

/** Since when the person holds the number: the instant compared with, and the carrier's calendar day. */
export interface HolderSince {
  at: number;
  day: string;
}

/**
 * `holder_since`: an RFC 3339 full-date or date-time. A bare date is read as the start of that day
 * in the earliest time zone, so a binding verified on the holder's first day is never marked as
 * the previous holder's. Undefined when absent; "invalid" when present and not such a value.
 */
export function parseHolderSince(value: unknown, now: number): HolderSince | undefined | "invalid" {
  if (value === undefined) return undefined;
  if (typeof value !== "string") return "invalid";
  const date = FULL_DATE.exec(value);
  const at = date
    ? Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3])) - EARLIEST_OFFSET_MS
    : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i.test(value)
      ? Date.parse(value)
      : Number.NaN;
  if (Number.isNaN(at) || (date && new Date(at + EARLIEST_OFFSET_MS).toISOString().slice(0, 10) !== value)) {
    return "invalid";
  }
  return at > now + MAX_CLOCK_SKEW_MS ? "invalid" : { at, day: value.slice(0, 10) };
}

/** The one place the page asks whether a carrier answers for a number. */
async function carrierAnswersFor(runtime: Runtime, carrierId: string, phone: PhoneNumber): Promise<boolean> {
  return (await numbersOutsideResponsibility(runtime, carrierId, [phone])).length === 0;
}

/** The refusals a person can act on differently; anything else is "not accepted". */
function problemOf(error: AssertionRejected): ErrorKind {
  if (/\breplay\b/i.test(error.message)) return "replayed";
  if (/\bexpired\b/i.test(error.message)) return "signInExpired";
  return "signInRefused";
}

/**
 * The callback's assertion, checked exactly as the jwt-bearer grant checks it (signature by the
 * carrier's key, audience, lifetime, single-use jti, sub = tel:+E164, the carrier's responsibility),
 * plus what binds it to this sign-in: the carrier chosen and the nonce sent.
 */
export async function verifySignIn(
  runtime: Runtime,
  expected: { carrierId: string; nonce: string },
  assertion: string,
): Promise<SignInResult> {
  let phone: PhoneNumber | undefined;
  let verified: VerifiedAssertion;
  try {
    verified = await verifyClientAssertion(runtime, assertion, {
      audiences: [runtime.config.issuer],
      refuseSubject: (sub) => {
        const e164 = TEL_SUBJECT.exec(sub)?.[1];
        phone =
          e164 === undefined ? undefined : parsePhoneInput(runtime.config.pepper, e164, runtime.config.defaultRegion);
        return phone !== undefined && phone.e164 === e164 ? undefined : "sub must be tel:+E164 of a valid number";
      },
    });
  } catch (error) {
    if (error instanceof AssertionRejected) return { problem: problemOf(error) };
    throw error;
  }
  const { client, claims } = verified;
  if (client.kind !== "carrier" || client.id !== expected.carrierId || claims.nonce !== expected.nonce) {
    return { problem: "signInRefused" };
  }
  const holderSince = parseHolderSince(claims.holder_since, runtime.clock());
  if (holderSince === "invalid") return { problem: "signInRefused" };
  if (!(await carrierAnswersFor(runtime, client.id, phone!))) return { problem: "wrongCarrier" };
  return {
    person: {
      phoneHash: phone!.hash,
      phoneHint: phone!.hint,
      carrierId: client.id,
      carrierName: client.name,
      ...(holderSince === undefined ? {} : { holderSince }),
    },
  };
}
