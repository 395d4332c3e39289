import type { Context, MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { JSX } from "hono/jsx/jsx-runtime";
import type { AppEnv } from "../http/context.js";
import { chooseLanguage, type ErrorKind, type Lang, requestedLanguage } from "./i18n.js";
import { ErrorPage } from "./views/error.js";

const LANG_COOKIE = "numbind-lang";
const YEAR_SECONDS = 365 * 86_400;

type PageStatus = 200 | 400 | 401 | 403 | 404 | 429 | 500;

const ERROR_STATUS: Record<ErrorKind, PageStatus> = {
  signInExpired: 400,
  wrongCarrier: 403,
  replayed: 400,
  csrf: 403,
  otherBrowser: 400,
  signInRefused: 400,
  signedOutByCarrier: 401,
  tooManyRequests: 429,
  unexpected: 500,
  notFound: 404,
  badRequest: 400,
};

/**
 * No script at all (the pages work without JavaScript), styles only from our own stylesheet, no
 * framing, and forms only to this origin plus the carriers a page hands the person over to.
 */
function contentSecurityPolicy(formTargets: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'none'",
    "style-src 'self'",
    "img-src 'self'",
    `form-action 'self'${formTargets.map((origin) => ` ${origin}`).join("")}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join("; ");
}

/**
 * The headers of every people page and of the development carrier (the API keeps its own), and
 * the app's problem+json answers (an unknown path, a crash already logged by onError, a rate
 * limit) turned into a page in the person's language with the same status.
 */
export const pageHeaders: MiddlewareHandler<AppEnv> = createMiddleware<AppEnv>(async (c, next) => {
  c.header("Content-Security-Policy", contentSecurityPolicy([]));
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
  c.header("Cross-Origin-Opener-Policy", "same-origin");
  c.header("Cache-Control", "no-store");
  await next();
  if (c.res.headers.get("content-type")?.startsWith("application/problem+json")) {
    const status = c.res.status;
    const kind: ErrorKind =
      status === 404
        ? "notFound"
        : status === 429
          ? "tooManyRequests"
          : status === 401
            ? "signedOutByCarrier"
            : status >= 500
              ? "unexpected"
              : "badRequest";
    const lang = pageLanguage(c);
    // Assigning c.res keeps the headers already set (request id, CSP, Retry-After) but the type.
    c.res = new Response(`<!doctype html>${await errorPage(c, lang, kind)}`, {
      status,
      headers: { "Content-Type": "text/html; charset=UTF-8" },
    });
  }
});

/** The person's language: ?lang= (remembered in a cookie), else the remembered one, else Accept-Language. */
export function pageLanguage(c: Context<AppEnv>): Lang {
  const query = c.req.query("lang");
  const asked = requestedLanguage(query);
  if (asked) {
    setCookie(c, LANG_COOKIE, asked, { path: "/", sameSite: "Lax", httpOnly: true, maxAge: YEAR_SECONDS });
  }
  return chooseLanguage({
    query,
    remembered: getCookie(c, LANG_COOKIE),
    acceptLanguage: c.req.header("accept-language"),
  });
}

/** Sends a page: the doctype, and a form-action widened to the origins the page's forms post to. */
export async function sendPage(
  c: Context<AppEnv>,
  page: JSX.Element,
  options: { status?: PageStatus; formTargets?: readonly string[] } = {},
): Promise<Response> {
  if (options.formTargets?.length) c.header("Content-Security-Policy", contentSecurityPolicy(options.formTargets));
  c.header("Vary", "Accept-Language, Cookie");
  return c.html(`<!doctype html>${await page}`, options.status ?? 200);
}

function errorPage(c: Context<AppEnv>, lang: Lang, kind: ErrorKind) {
  return <ErrorPage lang={lang} kind={kind} requestId={kind === "unexpected" ? c.var.requestId : undefined} />;
}

export function sendError(c: Context<AppEnv>, lang: Lang, kind: ErrorKind): Promise<Response> {
  return sendPage(c, errorPage(c, lang, kind), { status: ERROR_STATUS[kind] });
}
