import { formatDate, formatDay, type Lang, MESSAGES } from "../i18n.js";
import type { MyBinding } from "../me-api.js";
import type { Session } from "../session.js";
import { Layout } from "./layout.js";

export const CUT_PATH = "/me/cut";
export const SIGN_OUT_PATH = "/me/sign-out";

function When(props: { lang: Lang; at: string }) {
  return <time datetime={props.at}>{formatDate(props.lang, Date.parse(props.at))}</time>;
}

/** One post cuts one or several bindings: the ids the person saw, and the session's CSRF token. */
function CutForm(props: { csrf: string; ids: string[]; label: string; hidden?: string; class?: string }) {
  return (
    <form method="post" action={CUT_PATH} class="cut">
      <input type="hidden" name="csrf" value={props.csrf} />
      {props.ids.map((id) => (
        <input type="hidden" name="id" value={id} />
      ))}
      <button type="submit" class={props.class ?? "danger"}>
        {props.label}
        {props.hidden ? <span class="visually-hidden">{` ${props.hidden}`}</span> : null}
      </button>
    </form>
  );
}

function BindingList(props: { lang: Lang; csrf: string; bindings: MyBinding[] }) {
  const t = MESSAGES[props.lang];
  return (
    <ul class="bindings">
      {props.bindings.map((binding) => (
        <li class="binding" data-binding={binding.id}>
          <h3>{binding.app_name}</h3>
          <dl>
            <dt>{t.boundSince}</dt>
            <dd>
              <When lang={props.lang} at={binding.bound_at} />
            </dd>
            <dt>{t.lastSeen}</dt>
            <dd>
              <When lang={props.lang} at={binding.last_seen_at} />
            </dd>
            <dt>{t.expires}</dt>
            <dd>
              <When lang={props.lang} at={binding.expires_at} />
            </dd>
          </dl>
          <CutForm csrf={props.csrf} ids={[binding.id]} label={t.cut} hidden={binding.app_name} />
        </li>
      ))}
    </ul>
  );
}

/** The signed-in page: the number's hint, its bindings (the previous holder's first), and the cuts. */
export function BindingsPage(props: {
  lang: Lang;
  session: Session;
  previousHolders: MyBinding[];
  others: MyBinding[];
  cutCount?: number;
  /** Some of a cut-all could not be made yet (the request budget): say so, the rest are still listed. */
  moreToCut?: boolean;
}) {
  const t = MESSAGES[props.lang];
  const { session, previousHolders, others } = props;
  const total = previousHolders.length + others.length;
  return (
    <Layout lang={props.lang} title={t.boundApps} switchPath="/me">
      <h1>{t.boundApps}</h1>
      {props.cutCount !== undefined ? (
        <p class="notice" role="status">
          {t.cutDone(props.cutCount)}
          {props.moreToCut ? ` ${t.cutRest}` : null}
        </p>
      ) : null}
      <dl class="who">
        <dt>{t.yourNumber}</dt>
        <dd class="hint">{session.phoneHint}</dd>
        <dt>{t.via}</dt>
        <dd>{session.carrierName}</dd>
        {session.holderSince !== undefined ? (
          <>
            <dt>{t.holderSince}</dt>
            <dd>
              <time datetime={session.holderSince.day}>{formatDay(props.lang, session.holderSince.day)}</time>
            </dd>
          </>
        ) : null}
      </dl>
      {total === 0 ? <p class="empty">{t.noneBound}</p> : null}
      {previousHolders.length > 0 ? (
        <section class="previous" aria-labelledby="previous-title">
          <h2 id="previous-title">{t.fromBefore}</h2>
          <p>{t.fromBeforeHelp}</p>
          <BindingList lang={props.lang} csrf={session.csrf} bindings={previousHolders} />
          <CutForm
            csrf={session.csrf}
            ids={previousHolders.map((binding) => binding.id)}
            label={t.cutAllBefore(previousHolders.length)}
          />
        </section>
      ) : null}
      {others.length > 0 ? (
        <section class="current" aria-labelledby="current-title">
          <h2 id="current-title">{previousHolders.length > 0 ? t.yours : t.boundApps}</h2>
          {previousHolders.length > 0 ? <p>{t.yoursHelp}</p> : null}
          <BindingList lang={props.lang} csrf={session.csrf} bindings={others} />
          {others.length > 1 && previousHolders.length === 0 ? (
            <CutForm csrf={session.csrf} ids={others.map((binding) => binding.id)} label={t.cutAll(others.length)} />
          ) : null}
        </section>
      ) : null}
      <form method="post" action={SIGN_OUT_PATH} class="sign-out">
        <input type="hidden" name="csrf" value={session.csrf} />
        <button type="submit" class="secondary">
          {t.signOut}
        </button>
      </form>
      <p class="fine">{t.sessionNote}</p>
    </Layout>
  );
}
