import { sql } from "drizzle-orm";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JWTPayload, jwtVerify } from "jose";
import { usedAssertions } from "../db/control-schema.js";
import type { Runtime } from "../http/context.js";
import { Problem } from "../http/problems.js";
import { type Client, findClient } from "./clients.js";
import { CLIENT_ALGORITHMS, verificationJwks } from "./keys.js";

/** RFC 7523 assertions may live at most this long (DESIGN.md: exp at most 5 minutes after iat). */
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
  claims: JWTPayload & { iss: string; sub: string; jti: string; exp: number; iat: number };
}

/**
 * Verifies a JWT signed by a registered client: signature by one of its keys under a pinned
 * algorithm, audience = this registry, bounded lifetime, and a jti never seen before.
 * `subject` is what `sub` must be (the client id itself for client authentication).
 */
export async function verifyClientAssertion(
  runtime: Runtime,
  assertion: string,
  options: { subject?: (sub: string) => boolean } = {},
): Promise<VerifiedAssertion> {
  let issuer: unknown;
  let typ: unknown;
  try {
    issuer = decodeJwt(assertion).iss;
    typ = decodeProtectedHeader(assertion).typ;
  } catch {
    throw new AssertionRejected("the assertion is not a well-formed JWT");
  }
  if (typeof issuer !== "string" || issuer === "") throw new AssertionRejected("the assertion has no iss");
  if (typ !== undefined && (typeof typ !== "string" || !ACCEPTED_TYPES.has(typ.toLowerCase()))) {
    throw new AssertionRejected(`an assertion's typ must be JWT or client-authentication+jwt`);
  }
  const client = await findClient(runtime.db, issuer);
  if (!client) throw new AssertionRejected("unknown client");
  if (client.disabled) throw new AssertionRejected("the client is disabled");

  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(assertion, createLocalJWKSet(verificationJwks(client.jwks)), {
      algorithms: [...CLIENT_ALGORITHMS],
      issuer: client.id,
      audience: runtime.config.issuer,
      requiredClaims: ["iss", "sub", "aud", "exp", "iat", "jti"],
      currentDate: new Date(runtime.clock()),
      clockTolerance: CLOCK_SKEW_SECONDS,
    }));
  } catch (error) {
    throw new AssertionRejected(`the assertion was refused: ${(error as Error).message}`);
  }
  const { sub, jti, exp, iat } = claims as { sub: unknown; jti: unknown; exp: number; iat: number };
  if (typeof sub !== "string" || !(options.subject ?? ((s: string) => s === client.id))(sub)) {
    throw new AssertionRejected("the assertion's sub is not acceptable");
  }
  if (typeof jti !== "string" || jti.length === 0 || jti.length > 256)
    throw new AssertionRejected("the assertion needs a jti");
  if (exp - iat > MAX_ASSERTION_LIFETIME_SECONDS) {
    throw new AssertionRejected(`an assertion may live at most ${MAX_ASSERTION_LIFETIME_SECONDS} seconds`);
  }
  if (iat * 1000 > runtime.clock() + CLOCK_SKEW_SECONDS * 1000)
    throw new AssertionRejected("the assertion is issued in the future");

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

/** Forgets spent assertion ids once their assertions could no longer be accepted anyway. */
export async function purgeUsedAssertions(runtime: Pick<Runtime, "db" | "clock">): Promise<void> {
  await runtime.db.orm.delete(usedAssertions).where(sql`${usedAssertions.expiresAt} < ${runtime.clock()}`);
}
