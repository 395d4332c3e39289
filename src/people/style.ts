/**
 * The pages' one stylesheet, served from /me/style.css so that the CSP needs no inline style.
 * Colours meet WCAG AA contrast (text ≥ 4.5:1); focus is always visible; one column on a phone.
 */
export const STYLESHEET = `
:root { color-scheme: light; --ink: #1b1b1f; --muted: #4a4a55; --line: #d0d0d8; --accent: #0b57d0;
  --danger: #b3261e; --paper: #ffffff; --wash: #f3f4f8; --mark: #fff4d6; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 1rem/1.6 system-ui, -apple-system, "Segoe UI", "Noto Sans CJK SC", "Noto Sans SC",
  "PingFang SC", "Microsoft YaHei", sans-serif; color: var(--ink); background: var(--wash); }
header.site { display: flex; justify-content: space-between; align-items: center; gap: 1rem;
  padding: .75rem 1rem; background: var(--paper); border-bottom: 1px solid var(--line); }
header.site a { color: var(--ink); text-decoration: none; font-weight: 600; }
header.site a.switch { color: var(--accent); text-decoration: underline; font-weight: 500; }
main { max-width: 44rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; line-height: 1.3; margin: .5rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1.05rem; margin: 0 0 .25rem; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.notice { background: #e7f0fe; border-left: 4px solid var(--accent); padding: .5rem .75rem; }
.error { background: #fdecea; border-left: 4px solid var(--danger); padding: .5rem .75rem; }
.fine { color: var(--muted); font-size: .9rem; }
label { display: block; font-weight: 600; margin: 1rem 0 .25rem; }
.help { display: block; color: var(--muted); font-size: .9rem; margin-bottom: .25rem; }
input[type=tel], input[type=date], select { width: 100%; font: inherit; padding: .6rem; min-height: 2.75rem;
  border: 1px solid #767680; border-radius: .375rem; background: var(--paper); color: var(--ink); }
button, a.button { display: inline-block; font: inherit; font-weight: 600; min-height: 2.75rem;
  padding: .55rem 1rem; border-radius: .375rem; border: 2px solid transparent; cursor: pointer;
  text-decoration: none; margin-top: .75rem; }
.primary { background: var(--accent); color: #fff; }
.danger { background: var(--danger); color: #fff; }
.secondary { background: var(--paper); color: var(--ink); border-color: #767680; }
dl.who { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; background: var(--paper);
  border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem; }
dl.who dt { color: var(--muted); }
dl.who dd { margin: 0; font-weight: 600; }
.hint { font-variant-numeric: tabular-nums; letter-spacing: .02em; }
ul.bindings { list-style: none; padding: 0; margin: 0; }
li.binding { background: var(--paper); border: 1px solid var(--line); border-radius: .5rem; padding: .75rem 1rem;
  margin: .75rem 0; }
section.previous li.binding { background: var(--mark); border-color: #c99a2e; }
li.binding dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 1rem; margin: 0; font-size: .95rem; }
li.binding dt { color: var(--muted); }
li.binding dd { margin: 0; }
form.cut, form.sign-out { margin: 0; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
  white-space: nowrap; }
.dev { border: 2px dashed var(--danger); padding: .5rem .75rem; background: var(--paper); }
@media (max-width: 30rem) { dl.who { grid-template-columns: 1fr; } button { width: 100%; } }
`;

/** The pages' icon, so that browsers do not ask for a /favicon.ico the registry does not have. */
export const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0b57d0"/><rect x="10" y="5" width="12" height="22" rx="2.5" fill="none" stroke="#fff" stroke-width="2"/><path d="M13 16l2.5 2.5L20 13" fill="none" stroke="#fff" stroke-width="2" stroke-linecap="round"/></svg>`;
