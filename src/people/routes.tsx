import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../http/context.js";
import { signInCarriers } from "./carriers.js";
import { chooseLanguage, MESSAGES } from "./i18n.js";
import { MeApi, MeApiFailure, type MyBinding } from "./me-api.js";
import { isProduction } from "./production.js";
import { pageHeaders, pageLanguage, sendError, sendPage } from "./respond.js";
import { beginSignIn, csrfMatches, currentSession, endSession, openSession, pendingSignIn } from "./session.js";
import { ICON, STYLESHEET } from "./style.js";
import { type HolderSince, verifySignIn } from "./verify-sign-in.js";
import { BindingsPage, CUT_PATH, SIGN_OUT_PATH } from "./views/bindings.js";
import { ICON_PATH, STYLESHEET_PATH } from "./views/layout.js";
import { SignInPage } from "./views/sign-in.js";

export const PEOPLE_PAGE_PATH = "/me";
export const CALLBACK_PATH = "/me/callback";
const SIGN_IN_PATH = "/me/sign-in";
/** Every binding a person sees fits one page of /v1/me/bindings; a post cuts at most that many. */
const MAX_CUT_IDS = 100;

/** The page's form fields: strings only, a repeated field as a list. */
async function formFields(c: Context<AppEnv>): Promise<Map<string, string[]>> {
  const fields = new Map<string, string[]>();
  const body = await c.req.parseBody({ all: true });
  for (const [name, value] of Object.entries(body)) {
    const strings = (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === "string");
    fields.set(name, strings);
  }
  return fields;
}

const single = (fields: Map<string, string[]>, name: string) => {
  const values = fields.get(name);
  return values?.length === 1 ? values[0] : undefined;
};

/** Bindings verified before the holder's start belong to the previous holder; unknown without both dates. */
function split(bindings: MyBinding[], holderSince: HolderSince | undefined) {
  const previousHolders: MyBinding[] = [];
  const others: MyBinding[] = [];
  for (const binding of bindings) {
    const verifiedAt = binding.verified_at === undefined ? Number.NaN : Date.parse(binding.verified_at);
    if (holderSince !== undefined && verifiedAt < holderSince.at) previousHolders.push(binding);
    else others.push(binding);
  }
  return { previousHolders, others };
}

/** What a failed API call means to a person; anything unforeseen goes on to onError. */
function apiProblem(error: unknown) {
  if (!(error instanceof MeApiFailure)) throw error;
  if (error.status === 401) return "signedOutByCarrier" as const;
  if (error.status === 429) return "tooManyRequests" as const;
  throw error;
}

/** GET /me and its flow: sign in through the carrier, see the bindings, cut them. Works without JavaScript. */
export function registerPeoplePage(app: OpenAPIHono<AppEnv>): void {
  app.use(PEOPLE_PAGE_PATH, pageHeaders);
  app.use(`${PEOPLE_PAGE_PATH}/*`, pageHeaders);

  app.get(STYLESHEET_PATH, (c) => {
    c.header("Cache-Control", "public, max-age=3600");
    return c.body(STYLESHEET, 200, { "Content-Type": "text/css; charset=utf-8" });
  });
  app.get(ICON_PATH, (c) => {
    c.header("Cache-Control", "public, max-age=86400");
    return c.body(ICON, 200, { "Content-Type": "image/svg+xml" });
  });

  app.get(PEOPLE_PAGE_PATH, async (c) => {
    const { runtime } = c.var;
    const url = new URL(c.req.url);
    const issuer = new URL(runtime.config.issuer);
    // Cookies belong to a host: outside production, send a person who typed 127.0.0.1 for localhost
    // (or the like) to the issuer's host, where the carrier will return them.
    if (!isProduction(runtime.config) && url.host !== issuer.host) {
      return c.redirect(new URL(`${url.pathname}${url.search}`, issuer).href, 308);
    }
    const lang = pageLanguage(c);
    const t = MESSAGES[lang];
    const current = await currentSession(c);
    if (current && "problem" in current) {
      endSession(c);
      return sendError(c, lang, current.problem);
    }
    if (!current) {
      const carriers = await signInCarriers(runtime.db);
      const notice = c.req.query("signed_out") === undefined ? undefined : t.signedOut;
      // CSP form-action also holds for the redirect after the post: the carriers' origins must be in it.
      const formTargets = [...new Set(carriers.map((carrier) => new URL(carrier.signInUrl).origin))];
      return sendPage(c, <SignInPage lang={lang} carriers={carriers} notice={notice} />, { formTargets });
    }
    const { session } = current;
    let bindings: MyBinding[];
    try {
      bindings = await new MeApi(app, c, session).list();
    } catch (error) {
      const problem = apiProblem(error);
      if (problem === "signedOutByCarrier") endSession(c);
      return sendError(c, lang, problem);
    }
    const cut = Number(c.req.query("cut"));
    return sendPage(
      c,
      <BindingsPage
        lang={lang}
        session={session}
        {...split(bindings, session.holderSince)}
        cutCount={Number.isInteger(cut) && cut >= 0 && cut <= MAX_CUT_IDS ? cut : undefined}
        moreToCut={c.req.query("rest") !== undefined}
      />,
    );
  });

  app.post(SIGN_IN_PATH, async (c) => {
    const { runtime } = c.var;
    const fields = await formFields(c);
    const lang = chooseLanguage({ query: single(fields, "lang"), acceptLanguage: c.req.header("accept-language") });
    const carrier = (await signInCarriers(runtime.db)).find((each) => each.id === single(fields, "carrier"));
    if (!carrier) return sendError(c, lang, "badRequest");
    const { state, nonce } = await beginSignIn(c, carrier.id, lang);
    const target = new URL(carrier.signInUrl);
    target.searchParams.set("state", state);
    target.searchParams.set("nonce", nonce);
    target.searchParams.set("return_to", `${runtime.config.issuer}${CALLBACK_PATH}`);
    target.searchParams.set("lang", lang);
    return c.redirect(target.href, 303);
  });

  // The carrier's form post: cross-site, so no Lax cookie comes with it; the state says who began it.
  app.post(CALLBACK_PATH, async (c) => {
    const fields = await formFields(c);
    const pending = await pendingSignIn(c, single(fields, "state"));
    const lang = typeof pending === "string" ? pageLanguage(c) : pending.lang;
    if (pending === "expired") return sendError(c, lang, "signInExpired");
    const assertion = single(fields, "assertion");
    if (pending === "invalid" || !assertion) return sendError(c, lang, "signInRefused");
    const result = await verifySignIn(c.var.runtime, pending, assertion);
    if ("problem" in result) return sendError(c, lang, result.problem);
    await openSession(c, pending, result.person);
    return c.redirect(`${PEOPLE_PAGE_PATH}?lang=${lang}`, 303);
  });

  app.post(CUT_PATH, async (c) => {
    const lang = pageLanguage(c);
    const current = await currentSession(c);
    if (!current || "problem" in current) {
      endSession(c);
      return sendError(c, lang, current ? current.problem : "signInExpired");
    }
    const fields = await formFields(c);
    if (!csrfMatches(current.session, single(fields, "csrf"))) return sendError(c, lang, "csrf");
    const ids = [...new Set(fields.get("id") ?? [])];
    if (ids.length === 0 || ids.length > MAX_CUT_IDS) return sendError(c, lang, "badRequest");
    const api = new MeApi(app, c, current.session);
    let cut = 0;
    try {
      // One at a time: each cut is its own audited request, and a budget stops them cleanly midway.
      for (const id of ids) if (await api.cut(id)) cut++;
    } catch (error) {
      const problem = apiProblem(error);
      // The person's request budget ran out partway: what is cut stays cut, the rest waits for another press.
      if (problem === "tooManyRequests" && cut > 0) return c.redirect(`${PEOPLE_PAGE_PATH}?cut=${cut}&rest`, 303);
      return sendError(c, lang, problem);
    }
    return c.redirect(`${PEOPLE_PAGE_PATH}?cut=${cut}`, 303);
  });

  app.post(SIGN_OUT_PATH, async (c) => {
    const current = await currentSession(c);
    if (current && "session" in current) {
      const fields = await formFields(c);
      if (!csrfMatches(current.session, single(fields, "csrf"))) return sendError(c, pageLanguage(c), "csrf");
    }
    endSession(c);
    return c.redirect(`${PEOPLE_PAGE_PATH}?signed_out`, 303);
  });
}
