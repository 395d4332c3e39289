import type { Child } from "hono/jsx";
import { type Lang, MESSAGES } from "../i18n.js";

export const STYLESHEET_PATH = "/me/style.css";
export const ICON_PATH = "/me/icon.svg";

/** The frame of every page: the lang attribute, a phone-width viewport, the language switch. */
export function Layout(props: { lang: Lang; title: string; switchPath: string; children: Child }) {
  const t = MESSAGES[props.lang];
  const other: Lang = props.lang === "en" ? "zh-CN" : "en";
  const separator = props.switchPath.includes("?") ? "&" : "?";
  return (
    <html lang={props.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${props.title} · ${t.siteName}`}</title>
        <link rel="stylesheet" href={STYLESHEET_PATH} />
        <link rel="icon" href={ICON_PATH} type="image/svg+xml" />
      </head>
      <body>
        <header class="site">
          <a class="home" href="/me">
            {t.siteName}
          </a>
          <a
            class="switch"
            href={`${props.switchPath}${separator}lang=${other}`}
            hreflang={other}
            lang={other}
            rel="alternate"
          >
            {t.otherLanguage}
          </a>
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}
