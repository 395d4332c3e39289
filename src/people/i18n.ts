/** The page's languages: most people it serves read Chinese, so zh-CN is written first, not translated last. */
export type Lang = "zh-CN" | "en";

const zh = {
  siteName: "号码绑定查询",
  title: "哪些应用还绑定着你的号码？",
  intro:
    "手机号码被运营商回收再出售后，一些应用可能仍把它绑定在前任机主的账户上：你会收到别人的验证码、催收电话和账单。通过你的运营商登录，即可查看绑定你号码的应用，并解除任意绑定。",
  carrierLabel: "你的运营商",
  signIn: "通过运营商登录",
  noCarriers: "目前还没有运营商在此提供登录。",
  privacy: "我们不保存你的号码，只保存它无法还原的加密值。登录后 15 分钟会话自动结束。",
  yourNumber: "你的号码",
  via: "登录方式",
  holderSince: "运营商确认你自此日期起使用此号码",
  noneBound: "目前没有应用绑定你的号码。",
  boundApps: "绑定你号码的应用",
  boundSince: "绑定于",
  lastSeen: "最近使用",
  expires: "自动失效",
  fromBefore: "在你使用此号码之前绑定",
  fromBeforeHelp: "这些应用在号码归你之前就验证过它，属于前任机主。解除它们不会影响你自己的账户。",
  yours: "其他绑定",
  yoursHelp: "这些绑定可能是你自己的账户；解除后，应用会要求账户重新验证号码。",
  cut: "解除绑定",
  cutAllBefore: (n: number) => `解除这 ${n} 个之前的绑定`,
  cutAll: (n: number) => `全部解除（${n} 个）`,
  cutDone: (n: number) => `已解除 ${n} 个绑定，相关应用已收到通知。`,
  cutRest: "其余的暂时无法解除：请稍等片刻再按一次。",
  signOut: "退出登录",
  signedOut: "你已退出登录。",
  sessionNote: "会话 15 分钟后结束，之后需重新登录。",
  otherLanguage: "English",
  backToStart: "返回首页",
  errors: {
    signInExpired: {
      title: "登录已过期",
      body: "为了安全，登录须在 10 分钟内完成，会话最长 15 分钟。请重新登录。",
    },
    wrongCarrier: {
      title: "该运营商不能为此号码登录",
      body: "你的号码目前由其他运营商负责（例如已携号转网）。请选择号码当前所属的运营商后重试。",
    },
    replayed: {
      title: "此登录凭证已使用过",
      body: "运营商给出的每个登录凭证只能使用一次。如果你按了“返回”或刷新了页面，请重新登录。",
    },
    csrf: {
      title: "无法确认此请求来自本页面",
      body: "你提交的页面已过期或来自其他网站，因此没有做任何更改。请重新打开页面后再试。",
    },
    otherBrowser: {
      title: "登录不是在此浏览器中发起的",
      body: "请在发起登录的同一个浏览器中完成登录，并允许本网站使用 Cookie。",
    },
    signInRefused: {
      title: "运营商的登录未被接受",
      body: "请重新登录。如果仍然失败，请联系你的运营商。",
    },
    signedOutByCarrier: {
      title: "会话已结束",
      body: "你的登录已失效（运营商可能已停用此服务）。请重新登录。",
    },
    tooManyRequests: {
      title: "操作太频繁",
      body: "请稍等片刻再试。已完成的解除操作仍然有效。",
    },
    unexpected: {
      title: "我们这边出了问题",
      body: "请稍后再试。如需报告问题，请提供此编号：",
    },
    notFound: {
      title: "找不到此页面",
      body: "请从首页重新开始。",
    },
    badRequest: {
      title: "无法处理此请求",
      body: "请求不完整或格式不对，因此没有做任何更改。请从首页重新开始。",
    },
  },
  dev: {
    title: "开发用运营商",
    notice: "这不是真实的运营商：它接受任何号码，不发送验证码，只在非生产环境中存在。",
    responsibleFor: (prefixes: string) =>
      prefixes ? `负责号段：${prefixes}` : "它不负责任何号段：其他运营商已占用该国家代码。",
    numberLabel: "手机号码",
    numberHelp: "例如 +8613912345678 或 13912345678",
    holderSinceLabel: "开始使用此号码的日期（可选）",
    holderSinceHelp: "填写后，此日期之前验证的绑定会被标记为前任机主的。",
    signIn: "确认登录",
    invalidNumber: "这不是有效的手机号码。",
    invalidRequest: "此登录请求缺少参数或不是发给本服务的。请从首页重新开始。",
    continueTitle: "运营商已确认你的号码",
    continueBody: "点击继续，返回号码绑定查询。",
    continue: "继续",
  },
};

type Messages = typeof zh;

const en: Messages = {
  siteName: "Number bindings",
  title: "Which apps still hold your number?",
  intro:
    "When a carrier takes a phone number back and sells it again, apps may still link it to the previous owner's accounts: you get their login codes, debt-collection calls and bills. Sign in through your carrier to see the apps that have your number bound, and cut any of them.",
  carrierLabel: "Your mobile carrier",
  signIn: "Sign in through your carrier",
  noCarriers: "No carrier offers sign-in here yet.",
  privacy:
    "We never store your number, only a one-way code of it. Your session ends by itself 15 minutes after you sign in.",
  yourNumber: "Your number",
  via: "Signed in through",
  holderSince: "Your carrier says you have held this number since",
  noneBound: "No app has your number bound right now.",
  boundApps: "Apps bound to your number",
  boundSince: "Bound since",
  lastSeen: "Last seen",
  expires: "Ends by itself",
  fromBefore: "From before you held this number",
  fromBeforeHelp:
    "These apps verified this number before it was yours: they belong to the previous holder. Cutting them does not touch your own accounts.",
  yours: "Other bindings",
  yoursHelp:
    "These may be your own accounts; if you cut one, the app will ask that account to verify the number again.",
  cut: "Cut",
  cutAllBefore: (n: number) => `Cut all ${n} from before you held this number`,
  cutAll: (n: number) => `Cut all ${n}`,
  cutDone: (n: number) => `${n} ${n === 1 ? "binding" : "bindings"} cut. The apps have been told.`,
  cutRest: "The rest could not be cut yet: wait a moment and press again.",
  signOut: "Sign out",
  signedOut: "You are signed out.",
  sessionNote: "Your session lasts 15 minutes; then sign in again.",
  otherLanguage: "中文",
  backToStart: "Back to the start",
  errors: {
    signInExpired: {
      title: "Your sign-in has expired",
      body: "For your safety a sign-in must be finished within 10 minutes, and a session lasts 15 minutes. Please sign in again.",
    },
    wrongCarrier: {
      title: "This carrier cannot sign in this number",
      body: "Another carrier looks after your number now (for example after you moved it). Choose your number's current carrier and try again.",
    },
    replayed: {
      title: "This sign-in was already used",
      body: "Each sign-in your carrier gives works once. If you went back or reloaded the page, please sign in again.",
    },
    csrf: {
      title: "We could not confirm this came from our page",
      body: "The page you sent was too old or came from another site, so nothing was changed. Open the page again and retry.",
    },
    otherBrowser: {
      title: "The sign-in was started in another browser",
      body: "Finish signing in in the same browser you started in, with cookies allowed for this site.",
    },
    signInRefused: {
      title: "Your carrier's sign-in was not accepted",
      body: "Please sign in again. If it keeps failing, contact your carrier.",
    },
    signedOutByCarrier: {
      title: "Your session has ended",
      body: "Your sign-in no longer works (your carrier may have stopped offering it). Please sign in again.",
    },
    tooManyRequests: {
      title: "Too many requests",
      body: "Please wait a moment and try again. The bindings already cut stay cut.",
    },
    unexpected: {
      title: "Something went wrong on our side",
      body: "Please try again later. If you report it, quote this code:",
    },
    notFound: {
      title: "Page not found",
      body: "Please start again from the first page.",
    },
    badRequest: {
      title: "This request could not be handled",
      body: "It was incomplete or malformed, so nothing was changed. Please start again from the first page.",
    },
  },
  dev: {
    title: "Development carrier",
    notice: "This is not a real carrier: it accepts any number, sends no code, and exists only outside production.",
    responsibleFor: (prefixes: string) =>
      prefixes
        ? `Responsible for numbers starting ${prefixes}`
        : "It is responsible for no numbers: another carrier holds the country code.",
    numberLabel: "Phone number",
    numberHelp: "For example +8613912345678, or 13912345678",
    holderSinceLabel: "Date you began holding this number (optional)",
    holderSinceHelp: "With a date, bindings verified before it are marked as the previous holder's.",
    signIn: "Confirm sign-in",
    invalidNumber: "This is not a valid phone number.",
    invalidRequest: "This sign-in request lacks parameters or is not addressed to this service. Start again.",
    continueTitle: "Your carrier confirmed your number",
    continueBody: "Continue to go back to the number bindings page.",
    continue: "Continue",
  },
};

export type ErrorKind = keyof Messages["errors"];

export const MESSAGES: Record<Lang, Messages> = { "zh-CN": zh, en };

function asLang(value: string | undefined): Lang | undefined {
  if (!value) return undefined;
  const lower = value.trim().toLowerCase();
  if (lower === "en" || lower.startsWith("en-")) return "en";
  if (lower === "zh" || lower.startsWith("zh-")) return "zh-CN";
  return undefined;
}

/** RFC 9110 §12.5.4: the highest-weighted language we have; ties keep the header's order. */
function fromAcceptLanguage(header: string | undefined): Lang | undefined {
  if (!header) return undefined;
  let best: { lang: Lang; weight: number } | undefined;
  for (const part of header.split(",").slice(0, 20)) {
    const [tag, ...parameters] = part.split(";");
    const lang = asLang(tag);
    if (!lang) continue;
    const q = parameters.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/.exec(p)?.[1]).find(Boolean);
    const weight = q === undefined ? 1 : Number(q);
    if (weight > 0 && (!best || weight > best.weight)) best = { lang, weight };
  }
  return best?.lang;
}

/** The explicit choice (?lang=, then the remembered one) wins over the browser's Accept-Language; else English. */
export function chooseLanguage(choice: { query?: string; remembered?: string; acceptLanguage?: string }): Lang {
  return asLang(choice.query) ?? asLang(choice.remembered) ?? fromAcceptLanguage(choice.acceptLanguage) ?? "en";
}

/** The language a ?lang= asks for, if it names one of ours: only then is it remembered. */
export function requestedLanguage(query: string | undefined): Lang | undefined {
  return asLang(query);
}

/** Dates as people read them in each language; zh-CN readers are shown China's calendar day. */
export function formatDate(lang: Lang, ms: number): string {
  return new Intl.DateTimeFormat(lang, {
    dateStyle: "medium",
    timeZone: lang === "zh-CN" ? "Asia/Shanghai" : "UTC",
  }).format(new Date(ms));
}

/** A calendar day (YYYY-MM-DD) as people read it, the same day in every time zone. */
export function formatDay(lang: Lang, day: string): string {
  const [year, month, date] = day.split("-").map(Number);
  return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" }).format(
    new Date(Date.UTC(year!, month! - 1, date!)),
  );
}
