import type { SignInCarrier } from "../carriers.js";
import { type Lang, MESSAGES } from "../i18n.js";
import { Layout } from "./layout.js";

/** The first page: what this is, and the choice of carrier to sign in through. */
export function SignInPage(props: { lang: Lang; carriers: SignInCarrier[]; notice?: string }) {
  const t = MESSAGES[props.lang];
  return (
    <Layout lang={props.lang} title={t.title} switchPath="/me">
      <h1>{t.title}</h1>
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
      <p>{t.intro}</p>
      {props.carriers.length === 0 ? (
        <p class="notice">{t.noCarriers}</p>
      ) : (
        <form method="post" action="/me/sign-in" class="sign-in">
          <input type="hidden" name="lang" value={props.lang} />
          <label for="carrier">{t.carrierLabel}</label>
          <select id="carrier" name="carrier" required>
            {props.carriers.map((carrier) => (
              <option value={carrier.id}>{carrier.name}</option>
            ))}
          </select>
          <button type="submit" class="primary">
            {t.signIn}
          </button>
        </form>
      )}
      <p class="fine">{t.privacy}</p>
    </Layout>
  );
}
