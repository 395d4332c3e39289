import { sql } from "drizzle-orm";
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyOptions,
  jwtVerify,
} from "jose";
import { usedAssertions } from "../db/control-schema.js";
import type { Runtime } from "../http/context.js";
import { Problem } from "../http/problems.js";
import { type Client, findClient } from "./clients.js";
import { CLIENT_ALGORITHMS, type PublicJwks, verificationJwks } from "./keys.js";

/**
 * RFC 7523 assertions may live at most this long (DESIGN.md: exp at most 5 minutes after iat;
 * CAMARA ICM: refused when exp is more than 300 seconds after the time of receipt).
 */
const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const CLOCK_SKEW_SECONDS = 30;
/** What standard client libraries put in an assertion's typ (RFC 7523bis). */
const ACCEPTED_TYPES = new Set(["jwt", "client-authentication+jwt"]);

/** A client or person assertion the token endpoint refuses; it answers with an RFC 6749 error. */
export class AssertionRejected extends Problem {
  constructor(detail: string) {
    super("UNAUTHENTICATED", detail);
  }
}

export interface VerifiedAssertion {
  client: Client;
  claims: JWTPayload & { iss: string; sub: string; jti: string; exp: number };
}

interface AssertionRules {
  /** Values `aud` may hold (one is enough): the issuer and the token endpoint's URL. */
  audiences: string[];
  /** Why `sub` is refused, or undefined when it is acceptable. Default: sub must be the client id. */
  refuseSubject?: (sub: string, client: Client) => string | undefined;
}

/** A value of the registry's own (a registered client's id, our issuer), quoted for a message. */
function named(value: string): string {
  return JSON.stringify(value);
}

/**
 * A value the caller sent, quoted for an error message so it can see what was read, unless it
 * could be a phone number (a run of five digits or more): those are never repeated back.
 */
export function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  // Separators people write inside numbers do not break the run.
  if (/\d{5,}/.test(text.replace(/[\s\-().+/]/g, ""))) return "(a value with a long run of digits, not repeated)";
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function refuseClientSubject(sub: string, client: Client): string | undefined {
  return sub === client.id ? undefined : `a client assertion's sub must be its client id ${named(client.id)}`;
}

/**
 * Verifies a JWT signed by a registered client: signature by one of its keys under a pinned
 * algorithm, an accepted audience, bounded lifetime, and a jti never seen before.
 */
export async function verifyClientAssertion(
  runtime: Runtime,
  assertion: string,
  rules: AssertionRules,
): Promise<VerifiedAssertion> {
  let issuer: unknown;
  let header: { alg?: unknown; kid?: unknown; typ?: unknown };
  try {
    issuer = decodeJwt(assertion).iss;
    header = decodeProtectedHeader(assertion);
  } catch {
    throw new AssertionRejected("the assertion is not a well-formed JWT");
  }
  if (typeof issuer !== "string" || issuer === "") throw new AssertionRejected("the assertion has no iss");
  const { typ } = header;
  if (typ !== undefined && (typeof typ !== "string" || !ACCEPTED_TYPES.has(typ.toLowerCase()))) {
    throw new AssertionRejected(`an assertion's typ must be JWT or client-authentication+jwt`);
  }
  const client = await findClient(runtime.db, issuer);
  if (!client) throw new AssertionRejected(`no client ${quoted(issuer)} is registered`);
  if (client.disabled) throw new AssertionRejected("the client is disabled");

  let claims: JWTPayload;
  try {
    claims = await verifiedClaims(assertion, verificationJwks(client.jwks), {
      algorithms: [...CLIENT_ALGORITHMS],
      issuer: client.id,
      audience: rules.audiences,
      // iat is optional (RFC 7523 §3, OIDC Core §9; CAMARA: SHOULD): the lifetime is bounded below either way.
      requiredClaims: ["iss", "sub", "aud", "exp", "jti"],
      currentDate: new Date(runtime.clock()),
      clockTolerance: CLOCK_SKEW_SECONDS,
    });
  } catch (error) {
    throw new AssertionRejected(refusalReason(error, header, client, rules.audiences));
  }
  const { sub, jti, exp, iat } = claims as { sub: unknown; jti: unknown; exp: number; iat?: number };
  if (typeof sub !== "string") throw new AssertionRejected("the assertion's sub must be a string");
  const subjectRefusal = (rules.refuseSubject ?? refuseClientSubject)(sub, client);
  if (subjectRefusal) throw new AssertionRejected(subjectRefusal);
  if (typeof jti !== "string" || jti.length === 0 || jti.length > 256)
    throw new AssertionRejected("the assertion needs a jti (a unique string of at most 256 characters)");
  const now = Math.floor(runtime.clock() / 1000);
  if (iat !== undefined) {
    if (exp - iat > MAX_ASSERTION_LIFETIME_SECONDS) {
      throw new AssertionRejected(
        `an assertion may live at most ${MAX_ASSERTION_LIFETIME_SECONDS} seconds (exp - iat is ${exp - iat})`,
      );
    }
    if (iat > now + CLOCK_SKEW_SECONDS) throw new AssertionRejected("the assertion is issued in the future (iat)");
  }
  // Without iat this is the only bound on the lifetime; with it, the bound above is the tighter one.
  if (exp - now > MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
    throw new AssertionRejected(
      `the assertion's exp is ${exp - now} seconds away; at most ${MAX_ASSERTION_LIFETIME_SECONDS} are accepted`,
    );
  }

  // RFC 7523 §3: the jti is single-use. Kept until the assertion's expiry, in the database, so that
  // every process and isolate sees it; the insert that does nothing is the replay.
  const inserted = (await runtime.db.orm
    .insert(usedAssertions)
    .values({ clientId: client.id, jti, expiresAt: (exp + CLOCK_SKEW_SECONDS) * 1000 })
    .onConflictDoNothing()
    .returning({ jti: usedAssertions.jti })) as unknown[];
  if (inserted.length === 0) throw new AssertionRejected("the assertion's jti was used before (replay)");

  return { client, claims: claims as VerifiedAssertion["claims"] };
}

/**
 * jose picks the key by kid; a header without one matches every key of the client's of that type,
 * and jose then leaves the choice to the caller: each (at most 10) is tried in turn.
 */
async function verifiedClaims(assertion: string, jwks: PublicJwks, options: JWTVerifyOptions): Promise<JWTPayload> {
  try {
    return (await jwtVerify(assertion, createLocalJWKSet(jwks), options)).payload;
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    for await (const key of error) {
      try {
        return (await jwtVerify(assertion, key, options)).payload;
      } catch (attempt) {
        if (!(attempt instanceof errors.JWSSignatureVerificationFailed)) throw attempt;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}

/** What the client should change, in words: the token endpoint's error_description. */
function refusalReason(
  error: unknown,
  header: { alg?: unknown; kid?: unknown },
  client: Client,
  audiences: string[],
): string {
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return `alg ${quoted(header.alg)} is not accepted; sign with one of ${CLIENT_ALGORITHMS.join(", ")}`;
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return `no key registered for client ${named(client.id)} matches kid ${quoted(header.kid)} and alg ${quoted(header.alg)}`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return `the signature does not verify with the keys registered for client ${named(client.id)}`;
  }
  if (error instanceof errors.JWTExpired) {
    const exp = error.payload.exp;
    const when = typeof exp === "number" ? ` at ${new Date(exp * 1000).toISOString()}` : "";
    return `the assertion expired${when}; sign a new one for each token request`;
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "aud" && error.reason !== "missing") {
      return `the assertion's aud must be ${audiences.map(named).join(" or ")}; it is ${quoted(error.payload.aud)}`;
    }
    if (error.reason === "missing") return `the assertion lacks the ${error.claim} claim`;
    if (error.claim === "nbf") return "the assertion is not valid yet (nbf is in the future)";
    return `the assertion's ${error.claim} claim is not acceptable (${error.message})`;
  }
  return `the assertion was refused: ${(error as Error).message}`;
}

/** Forgets spent assertion ids once their assertions could no longer be accepted anyway. */
export async function purgeUsedAssertions(runtime: Pick<Runtime, "db" | "clock">): Promise<void> {
  await runtime.db.orm.delete(usedAssertions).where(sql`${usedAssertions.expiresAt} < ${runtime.clock()}`);
}
