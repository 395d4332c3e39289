import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { signClientAssertion } from "../client/assertion.js";
import type { AppEnv } from "../http/context.js";
import { chooseLanguage } from "../people/i18n.js";
import { isProduction } from "../people/production.js";
import { pageHeaders, sendPage } from "../people/respond.js";
import { CALLBACK_PATH, PEOPLE_PAGE_PATH } from "../people/routes.js";
import { parsePhoneInput } from "../phone.js";
import { DEV_CARRIER_ID, DEV_CARRIER_PATH, devCarrierKey, devCarrierPrefixes, ensureDevCarrier } from "./carrier.js";
import { ContinuePage, DevCarrierPage, InvalidRequestPage, type SignInRequest } from "./views.js";

/** A carrier's assertion lives minutes at most; the person only has to press Continue. */
const ASSERTION_LIFETIME_SECONDS = 120;

/** The registry's sign-in parameters, if they are all there and the return address is this registry's. */
function signInRequest(c: Context<AppEnv>, values: Record<string, unknown>): SignInRequest | undefined {
  const { state, nonce, return_to: returnTo } = values;
  if (typeof state !== "string" || typeof nonce !== "string" || typeof returnTo !== "string") return undefined;
  if (!state || !nonce || returnTo !== `${c.var.runtime.config.issuer}${CALLBACK_PATH}`) return undefined;
  return { state, nonce, returnTo };
}

function language(c: Context<AppEnv>, lang: unknown) {
  return chooseLanguage({
    query: typeof lang === "string" ? lang : undefined,
    acceptLanguage: c.req.header("accept-language"),
  });
}

/**
 * Outside production, a carrier that signs anyone in (`/dev/carrier`), so that `npm start` and
 * /me show the whole flow with nothing else to run. In production the path does not exist.
 */
export function registerDevCarrier(app: OpenAPIHono<AppEnv>): void {
  for (const path of [DEV_CARRIER_PATH, PEOPLE_PAGE_PATH]) {
    app.use(path, async (c, next) => {
      if (isProduction(c.var.runtime.config)) return path === DEV_CARRIER_PATH ? c.notFound() : next();
      await ensureDevCarrier(c.var.runtime);
      return next();
    });
  }
  app.use(DEV_CARRIER_PATH, pageHeaders);

  app.get(DEV_CARRIER_PATH, async (c) => {
    const lang = language(c, c.req.query("lang"));
    const request = signInRequest(c, c.req.query());
    if (!request) return sendPage(c, <InvalidRequestPage lang={lang} />, { status: 400 });
    const prefixes = await devCarrierPrefixes(c.var.runtime);
    return sendPage(c, <DevCarrierPage lang={lang} request={request} prefixes={prefixes} />);
  });

  app.post(DEV_CARRIER_PATH, async (c) => {
    const { runtime } = c.var;
    const form = await c.req.parseBody();
    const lang = language(c, form.lang);
    const request = signInRequest(c, form);
    if (!request) return sendPage(c, <InvalidRequestPage lang={lang} />, { status: 400 });
    const typed = typeof form.phone === "string" ? form.phone : "";
    const phone = parsePhoneInput(runtime.config.pepper, typed, runtime.config.defaultRegion);
    if (!phone) {
      const prefixes = await devCarrierPrefixes(runtime);
      return sendPage(
        c,
        <DevCarrierPage lang={lang} request={request} prefixes={prefixes} number={typed} invalidNumber />,
        { status: 400 },
      );
    }
    const holderSince = typeof form.holder_since === "string" && form.holder_since ? form.holder_since : undefined;
    const assertion = await signClientAssertion({
      clientId: DEV_CARRIER_ID,
      privateJwk: await devCarrierKey(runtime.config.pepper),
      audience: runtime.config.issuer,
      subject: `tel:${phone.e164}`,
      now: runtime.clock(),
      lifetimeSeconds: ASSERTION_LIFETIME_SECONDS,
      claims: { nonce: request.nonce, ...(holderSince ? { holder_since: holderSince } : {}) },
    });
    return sendPage(c, <ContinuePage lang={lang} request={request} assertion={assertion} />, {
      formTargets: [new URL(request.returnTo).origin],
    });
  });
}
