import { type Lang, MESSAGES } from "../people/i18n.js";
import { Layout } from "../people/views/layout.js";
import { DEV_CARRIER_PATH } from "./carrier.js";

/** What the registry sent the person here with, carried through the development carrier's form. */
export interface SignInRequest {
  state: string;
  nonce: string;
  returnTo: string;
}

function switchPath(request: SignInRequest): string {
  const query = new URLSearchParams({ state: request.state, nonce: request.nonce, return_to: request.returnTo });
  return `${DEV_CARRIER_PATH}?${query}`;
}

/** The development carrier's sign-in: a number (any, no code sent) and an optional holder-since date. */
export function DevCarrierPage(props: {
  lang: Lang;
  request: SignInRequest;
  prefixes: string[];
  number?: string;
  invalidNumber?: boolean;
}) {
  const t = MESSAGES[props.lang].dev;
  return (
    <Layout lang={props.lang} title={t.title} switchPath={switchPath(props.request)}>
      <h1>{t.title}</h1>
      <p class="dev">
        {t.notice} {t.responsibleFor(props.prefixes.join(", "))}
      </p>
      <form method="post" action={DEV_CARRIER_PATH}>
        <input type="hidden" name="state" value={props.request.state} />
        <input type="hidden" name="nonce" value={props.request.nonce} />
        <input type="hidden" name="return_to" value={props.request.returnTo} />
        <input type="hidden" name="lang" value={props.lang} />
        <label for="phone">{t.numberLabel}</label>
        <span class="help" id="phone-help">
          {t.numberHelp}
        </span>
        {props.invalidNumber ? (
          <p class="error" id="phone-error" role="alert">
            {t.invalidNumber}
          </p>
        ) : null}
        <input
          type="tel"
          id="phone"
          name="phone"
          autocomplete="tel"
          inputmode="tel"
          required
          value={props.number ?? ""}
          aria-describedby={props.invalidNumber ? "phone-help phone-error" : "phone-help"}
          aria-invalid={props.invalidNumber ? "true" : undefined}
        />
        <label for="holder_since">{t.holderSinceLabel}</label>
        <span class="help" id="holder-since-help">
          {t.holderSinceHelp}
        </span>
        <input type="date" id="holder_since" name="holder_since" aria-describedby="holder-since-help" />
        <button type="submit" class="primary">
          {t.signIn}
        </button>
      </form>
    </Layout>
  );
}

/** Hands the signed assertion back: a form post to the registry's callback, which the person sends. */
export function ContinuePage(props: { lang: Lang; request: SignInRequest; assertion: string }) {
  const t = MESSAGES[props.lang].dev;
  return (
    <Layout lang={props.lang} title={t.continueTitle} switchPath={switchPath(props.request)}>
      <h1>{t.continueTitle}</h1>
      <p>{t.continueBody}</p>
      <form method="post" action={props.request.returnTo}>
        <input type="hidden" name="assertion" value={props.assertion} />
        <input type="hidden" name="state" value={props.request.state} />
        <button type="submit" class="primary">
          {t.continue}
        </button>
      </form>
    </Layout>
  );
}

/** A request that did not come from the registry's sign-in (no state, or another return address). */
export function InvalidRequestPage(props: { lang: Lang }) {
  const t = MESSAGES[props.lang];
  return (
    <Layout lang={props.lang} title={t.dev.title} switchPath={DEV_CARRIER_PATH}>
      <h1>{t.dev.title}</h1>
      <p class="error" role="alert">
        {t.dev.invalidRequest}
      </p>
      <p>
        <a class="button primary" href="/me">
          {t.backToStart}
        </a>
      </p>
    </Layout>
  );
}
