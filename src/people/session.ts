import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv, Runtime } from "../http/context.js";
import type { Lang } from "./i18n.js";
import { isProduction } from "./production.js";
import { randomToken, sameSecret, seal, sha256, unseal } from "./seal.js";
import type { HolderSince } from "./verify-sign-in.js";

/** A sign-in must come back from the carrier within this time. */
const SIGN_IN_WINDOW_MS = 10 * 60_000;
/** DESIGN.md: a person's session lasts at most 15 minutes, from sign-in, never extended. */
const SESSION_MS = 15 * 60_000;

/** The signed-in person as the page knows them: the number only as its hash and its hint. */
export interface Session {
  phoneHash: string;
  phoneHint: string;
  carrierId: string;
  carrierName: string;
  /** When this subscriber began holding the number, as the carrier attested; unknown if absent. */
  holderSince?: HolderSince;
  /** The synchronizer token every cut must send back. */
  csrf: string;
}

interface SessionClaims {
  ph: string;
  hint: string;
  car: string;
  cn: string;
  hs?: number;
  /** The carrier's own calendar day of hs, as it sent it: what the page shows. */
  hsd?: string;
  csrf: string;
  /** sha256 of the browser key: the session works only next to the cookie of the browser that began it. */
  bk: string;
}

interface StateClaims {
  car: string;
  nonce: string;
  lang: Lang;
  bk: string;
}

/** `__Host-` where cookies are Secure: bound to this host and path /, not settable by a sibling domain. */
function cookieNames(runtime: Runtime) {
  const secure = isSecure(runtime);
  const prefix = secure ? "__Host-" : "";
  return { secure, session: `${prefix}numbind-session`, browser: `${prefix}numbind-browser` };
}

/** Secure in production, and wherever the registry is served over https. */
function isSecure(runtime: Runtime): boolean {
  return isProduction(runtime.config) || runtime.config.issuer.startsWith("https:");
}

function setPageCookie(c: Context<AppEnv>, name: string, value: string, maxAgeMs: number) {
  // Lax, not Strict: the carrier's form post returns cross-site, and the redirect after it is a
  // top-level GET that must carry the browser key.
  setCookie(c, name, value, {
    path: "/",
    httpOnly: true,
    secure: cookieNames(c.var.runtime).secure,
    sameSite: "Lax",
    maxAge: Math.floor(maxAgeMs / 1000),
  });
}

/**
 * Begins a sign-in: a random browser key goes into a cookie, and a signed state carries its hash,
 * the chosen carrier, a nonce and the language through the carrier and back. The callback arrives
 * as a cross-site form post that carries no Lax cookie, so the state itself must say all of it; the
 * browser key then binds the session to this browser on the first page it opens (login CSRF).
 */
export async function beginSignIn(c: Context<AppEnv>, carrierId: string, lang: Lang) {
  const { runtime } = c.var;
  const browserKey = randomToken();
  const nonce = randomToken(16);
  const claims: StateClaims = { car: carrierId, nonce, lang, bk: await sha256(browserKey) };
  const state = await seal(runtime, "numbind-sign-in-state", { ...claims }, SIGN_IN_WINDOW_MS);
  setPageCookie(c, cookieNames(runtime).browser, browserKey, SIGN_IN_WINDOW_MS + SESSION_MS);
  return { state, nonce };
}

export type PendingSignIn = { carrierId: string; nonce: string; lang: Lang; browserKeyHash: string };

export async function pendingSignIn(
  c: Context<AppEnv>,
  state: string | undefined,
): Promise<PendingSignIn | "expired" | "invalid"> {
  const opened = await unseal<StateClaims>(c.var.runtime, "numbind-sign-in-state", state);
  if ("expired" in opened) return "expired";
  if ("invalid" in opened) return "invalid";
  const { car, nonce, lang, bk } = opened.claims;
  return { carrierId: car, nonce, lang, browserKeyHash: bk };
}

export async function openSession(
  c: Context<AppEnv>,
  pending: PendingSignIn,
  person: Omit<Session, "csrf">,
): Promise<void> {
  const { runtime } = c.var;
  const claims: SessionClaims = {
    ph: person.phoneHash,
    hint: person.phoneHint,
    car: person.carrierId,
    cn: person.carrierName,
    ...(person.holderSince === undefined ? {} : { hs: person.holderSince.at, hsd: person.holderSince.day }),
    csrf: randomToken(),
    bk: pending.browserKeyHash,
  };
  const token = await seal(runtime, "numbind-session", { ...claims }, SESSION_MS);
  setPageCookie(c, cookieNames(runtime).session, token, SESSION_MS);
}

/** The session, or why there is none a person should be told about. */
export async function currentSession(
  c: Context<AppEnv>,
): Promise<{ session: Session } | { problem: "signInExpired" | "otherBrowser" } | undefined> {
  const { runtime } = c.var;
  const names = cookieNames(runtime);
  const token = getCookie(c, names.session);
  if (!token) return undefined;
  const opened = await unseal<SessionClaims>(runtime, "numbind-session", token);
  if ("expired" in opened) return { problem: "signInExpired" };
  if ("invalid" in opened) return undefined;
  const claims = opened.claims;
  const browserKey = getCookie(c, names.browser);
  if (!browserKey || !sameSecret(await sha256(browserKey), claims.bk)) return { problem: "otherBrowser" };
  return {
    session: {
      phoneHash: claims.ph,
      phoneHint: claims.hint,
      carrierId: claims.car,
      carrierName: claims.cn,
      ...(typeof claims.hs === "number" && typeof claims.hsd === "string"
        ? { holderSince: { at: claims.hs, day: claims.hsd } }
        : {}),
      csrf: claims.csrf,
    },
  };
}

export function endSession(c: Context<AppEnv>): void {
  const names = cookieNames(c.var.runtime);
  for (const name of [names.session, names.browser]) {
    deleteCookie(c, name, { path: "/", secure: names.secure });
  }
}

/** The synchronizer-token check of every state-changing post (OWASP CSRF cheat sheet). */
export function csrfMatches(session: Session, sent: unknown): boolean {
  return typeof sent === "string" && sameSecret(sent, session.csrf);
}
