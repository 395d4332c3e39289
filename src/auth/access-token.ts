import { createLocalJWKSet, decodeJwt, errors, type JWTPayload, jwtVerify } from "jose";
import type { Clock } from "../clock.js";
import { Problem } from "../http/problems.js";
import type { JwtSigner } from "./jwt-signer.js";
import type { SigningKey } from "./keys.js";
import type { ClientKind } from "./scopes.js";

const ACCESS_TOKEN_TTL_SECONDS = 600;
const ACCESS_TOKEN_TYP = "at+jwt";
/** A person's subject names the number by its hash, never by the number itself. */
const PERSON_SUBJECT_PREFIX = "phone:";

export type Principal =
  | { kind: ClientKind; clientId: string; scopes: readonly string[] }
  | { kind: "person"; clientId: string; scopes: readonly string[]; phoneHash: string; phoneHint: string };

/** Any reason a bearer token is refused: a 401 wherever it is thrown. */
class InvalidAccessToken extends Problem {
  constructor(detail: string) {
    super("UNAUTHENTICATED", detail);
  }
}

interface AccessClaims extends JWTPayload {
  client_id: string;
  scope: string;
  client_kind?: ClientKind;
  phone_number_hint?: string;
}

export class AccessTokens {
  readonly #cache = new Map<string, { principal: Principal; expiresAt: number }>();
  readonly #verifyKeys: ReturnType<typeof createLocalJWKSet>;

  constructor(
    private readonly keys: SigningKey[],
    private readonly signer: JwtSigner,
    private readonly issuer: string,
    private readonly clock: Clock,
    private readonly cacheSize = 10_000,
  ) {
    this.#verifyKeys = createLocalJWKSet({ keys: keys.map((key) => key.publicJwk) });
  }

  async issue(principal: Principal): Promise<{ token: string; expiresIn: number }> {
    const now = Math.floor(this.clock() / 1000);
    const claims: AccessClaims =
      principal.kind === "person"
        ? {
            client_id: principal.clientId,
            scope: principal.scopes.join(" "),
            phone_number_hint: principal.phoneHint,
          }
        : { client_id: principal.clientId, scope: principal.scopes.join(" "), client_kind: principal.kind };
    const token = await this.signer(this.keys[0]!, ACCESS_TOKEN_TYP, {
      ...claims,
      iss: this.issuer,
      aud: this.issuer,
      sub: principal.kind === "person" ? PERSON_SUBJECT_PREFIX + principal.phoneHash : principal.clientId,
      iat: now,
      exp: now + ACCESS_TOKEN_TTL_SECONDS,
      jti: crypto.randomUUID(),
    });
    return { token, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
  }

  /**
   * Verifies a bearer token. Signature checks cost several times a whole bare request, so a
   * verified token is remembered until its own expiry; the caller still checks that its client
   * is enabled on every request.
   */
  async verify(token: string): Promise<Principal> {
    const now = this.clock();
    const cached = this.#cache.get(token);
    if (cached) {
      if (now < cached.expiresAt) return cached.principal;
      this.#cache.delete(token);
    }
    let payload: AccessClaims;
    try {
      ({ payload } = (await jwtVerify(token, this.#verifyKeys, {
        algorithms: ["EdDSA"],
        issuer: this.issuer,
        audience: this.issuer,
        typ: ACCESS_TOKEN_TYP,
        requiredClaims: ["iss", "aud", "sub", "iat", "exp", "jti", "client_id", "scope"],
        currentDate: new Date(now),
        clockTolerance: 5,
      })) as { payload: AccessClaims });
    } catch (error) {
      throw new InvalidAccessToken(this.#refusalReason(token, error));
    }
    const principal = principalFromClaims(payload);
    if (this.#cache.size >= this.cacheSize) {
      // Map iteration is insertion order: drop the oldest entry.
      this.#cache.delete(this.#cache.keys().next().value as string);
    }
    this.#cache.set(token, { principal, expiresAt: payload.exp! * 1000 });
    return principal;
  }

  /**
   * Why a token failed, in words that say what to do. A token from another registry fails on its
   * signature first; its unverified iss and aud (the caller's own, no secret) name the mix-up.
   */
  #refusalReason(token: string, error: unknown): string {
    const renew = `get a new one from ${this.issuer}/oauth/token`;
    if (error instanceof errors.JWTExpired) {
      const exp = error.payload.exp;
      return `the access token expired${typeof exp === "number" ? ` at ${new Date(exp * 1000).toISOString()}` : ""}; ${renew}`;
    }
    let claims: JWTPayload;
    try {
      claims = decodeJwt(token);
    } catch {
      return `the access token is not a JWT; ${renew}`;
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (claims.iss !== this.issuer || !audiences.includes(this.issuer)) {
      return `the access token was issued by ${quoted(claims.iss)} for ${quoted(claims.aud)}; this registry is ${JSON.stringify(this.issuer)}: ${renew}`;
    }
    if (error instanceof errors.JWKSNoMatchingKey) {
      return `the access token is not signed by a key this registry publishes (${this.issuer}/.well-known/jwks.json); ${renew}`;
    }
    return "the access token is not valid";
  }
}

/** A claim value from a token, quoted for an error message and cut short. */
function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * RFC 8725 §3.11: a person's token and a machine token must not pass for each other. A machine
 * token's subject is its client id and it carries its kind; a person's subject is a number hash.
 */
function principalFromClaims(claims: AccessClaims): Principal {
  const scopes = claims.scope.split(" ").filter(Boolean);
  const subject = claims.sub!;
  if (subject.startsWith(PERSON_SUBJECT_PREFIX)) {
    const phoneHash = subject.slice(PERSON_SUBJECT_PREFIX.length);
    if (claims.client_kind !== undefined || !phoneHash || typeof claims.phone_number_hint !== "string") {
      throw new InvalidAccessToken("the access token is not valid");
    }
    if (scopes.length !== 1 || scopes[0] !== "me") throw new InvalidAccessToken("the access token is not valid");
    return { kind: "person", clientId: claims.client_id, scopes, phoneHash, phoneHint: claims.phone_number_hint };
  }
  const kind = claims.client_kind;
  if (
    subject !== claims.client_id ||
    (kind !== "app" && kind !== "carrier" && kind !== "admin") ||
    scopes.includes("me")
  ) {
    throw new InvalidAccessToken("the access token is not valid");
  }
  return { kind, clientId: subject, scopes };
}
