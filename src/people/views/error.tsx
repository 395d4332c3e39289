import { type ErrorKind, type Lang, MESSAGES } from "../i18n.js";
import { Layout } from "./layout.js";

/** A failure told in the person's language, with the way back; the request id only where we failed. */
export function ErrorPage(props: { lang: Lang; kind: ErrorKind; requestId?: string }) {
  const t = MESSAGES[props.lang];
  const { title, body } = t.errors[props.kind];
  return (
    <Layout lang={props.lang} title={title} switchPath="/me">
      <h1>{title}</h1>
      <p class="error" role="alert">
        {body}
        {props.requestId ? (
          <>
            {" "}
            <code>{props.requestId}</code>
          </>
        ) : null}
      </p>
      <p>
        <a class="button primary" href="/me">
          {t.backToStart}
        </a>
      </p>
    </Layout>
  );
}
