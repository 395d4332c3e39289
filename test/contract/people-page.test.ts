import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import type { AppConfig } from "../../src/http/context.js";
import { createHarness, DAY, type Harness, ISSUER, MINUTE, signJwt, type TestClient } from "../support/harness.js";

const NUMBER = "+8613912345678";
const DIGITS = "13912345678";
const HINT = "+86139****5678";
const SIGN_IN_URL = "https://login.carrier.example/numbind";

/** A browser over app.request: a cookie jar, no redirects followed, cross-site posts without Lax cookies. */
class Browser {
  readonly cookies = new Map<string, string>();
  readonly setCookies: string[] = [];

  constructor(
    private readonly h: Harness,
    private readonly headers: Record<string, string> = {},
  ) {}

  async request(
    method: string,
    path: string,
    options: { form?: Record<string, string | string[]>; crossSite?: boolean; headers?: Record<string, string> } = {},
  ) {
    const headers: Record<string, string> = { ...this.headers, ...options.headers };
    // SameSite=Lax: a cross-site form post carries none of this site's cookies.
    if (!options.crossSite && this.cookies.size > 0) {
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    }
    let body: string | undefined;
    if (options.form) {
      const params = new URLSearchParams();
      for (const [name, value] of Object.entries(options.form)) {
        for (const each of Array.isArray(value) ? value : [value]) params.append(name, each);
      }
      body = params.toString();
      headers["content-type"] = "application/x-www-form-urlencoded";
    }
    const response = await this.h.app.request(new URL(path, ISSUER).href, { method, headers, body });
    for (const line of response.headers.getSetCookie()) {
      this.setCookies.push(line);
      const [pair = ""] = line.split(";");
      const name = pair.slice(0, pair.indexOf("="));
      const value = pair.slice(pair.indexOf("=") + 1);
      if (/max-age=0/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, location: response.headers.get("location") };
  }
}

async function carrierWithSignIn(h: Harness, prefixes = ["+86139"]) {
  const carrier = await h.client("carrier", "China Example Mobile", { prefixes });
  const admin = await h.client("admin");
  const patched = await h.request("PATCH", `/v1/admin/clients/${carrier.id}`, {
    token: await admin.token(),
    json: { person_sign_in_url: SIGN_IN_URL },
  });
  expect(patched.status).toBe(200);
  return carrier;
}

function carrierAssertion(h: Harness, carrier: TestClient, claims: Record<string, unknown>) {
  const iat = Math.floor(h.now() / 1000);
  return signJwt(carrier.privateJwk, {
    iss: carrier.id,
    sub: `tel:${NUMBER}`,
    aud: ISSUER,
    iat,
    exp: iat + 120,
    jti: crypto.randomUUID(),
    ...claims,
  });
}

/** /me → the carrier's sign-in URL: the state and nonce it was sent with. */
async function beginSignIn(browser: Browser, carrier: TestClient) {
  const started = await browser.request("POST", "/me/sign-in", { form: { carrier: carrier.id, lang: "en" } });
  expect(started.status).toBe(303);
  const target = new URL(started.location!);
  expect(`${target.origin}${target.pathname}`).toBe(SIGN_IN_URL);
  return {
    state: target.searchParams.get("state")!,
    nonce: target.searchParams.get("nonce")!,
    returnTo: target.searchParams.get("return_to")!,
    lang: target.searchParams.get("lang")!,
  };
}

async function signIn(h: Harness, browser: Browser, carrier: TestClient, claims: Record<string, unknown> = {}) {
  const { state, nonce } = await beginSignIn(browser, carrier);
  const assertion = await carrierAssertion(h, carrier, { nonce, ...claims });
  return browser.request("POST", "/me/callback", { form: { state, assertion }, crossSite: true });
}

async function bind(h: Harness, app: TestClient, accountRef: string, verifiedAt: number) {
  const response = await h.request("PUT", "/v1/bindings", {
    token: await app.bearer(),
    json: { phone_number: NUMBER, account_ref: accountRef, verified_at: new Date(verifiedAt).toISOString() },
  });
  expect(response.status).toBe(201);
  return response.json.id as string;
}

const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)![1]!;

/** A story: the old owner's bank binding, a new holder since 10 days, and the new holder's own shop. */
async function story() {
  const h = await createHarness();
  const carrier = await carrierWithSignIn(h);
  const bank = await h.client("app", "Old Bank");
  const shop = await h.client("app", "New Shop");
  const bankBinding = await bind(h, bank, "old-owner", h.now() - 200 * DAY);
  h.advance(DAY);
  const holderSince = new Date(h.now() - 10 * DAY).toISOString().slice(0, 10);
  const shopBinding = await bind(h, shop, "new-owner", h.now() - 2 * DAY);
  return { h, carrier, bank, shop, bankBinding, shopBinding, holderSince };
}

describe("GET /me", () => {
  it("offers the carriers that sign people in, with the page's security headers", async () => {
    const h = await createHarness();
    const carrier = await carrierWithSignIn(h);
    await h.client("carrier", "Carrier Without Sign-in", { prefixes: ["+86138"] });
    const page = await new Browser(h).request("GET", "/me");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const csp = page.headers.get("content-security-policy")!;
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`form-action 'self' https://login.carrier.example`);
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.text).toMatch(/^<!doctype html><html lang="en">/);
    expect(page.text).toContain('name="viewport"');
    expect(page.text).toContain(`<option value="${carrier.id}">China Example Mobile</option>`);
    expect(page.text).toContain('<label for="carrier">');
    expect(page.text).not.toContain("Carrier Without Sign-in");
    expect(page.text).not.toMatch(/<script|style=/);
    // Outside production the development carrier offers itself too.
    expect(page.text).toContain('<option value="dev-carrier">');
  });

  it("speaks the language of Accept-Language, and a ?lang= switch that is remembered", async () => {
    const h = await createHarness();
    const browser = new Browser(h, { "accept-language": "zh-CN,zh;q=0.9,en;q=0.8" });
    const chinese = await browser.request("GET", "/me");
    expect(chinese.text).toContain('<html lang="zh-CN">');
    expect(chinese.text).toContain("哪些应用还绑定着你的号码？");
    expect(chinese.text).toContain('href="/me?lang=en"');
    const english = await browser.request("GET", "/me?lang=en");
    expect(english.text).toContain('<html lang="en">');
    expect((await browser.request("GET", "/me")).text).toContain('<html lang="en">');
    const weighted = await new Browser(h, { "accept-language": "fr, en;q=0.5, zh;q=0.8" }).request("GET", "/me");
    expect(weighted.text).toContain('<html lang="zh-CN">');
  });

  it("serves its stylesheet from its own origin; the API's answers carry no page headers", async () => {
    const h = await createHarness();
    const css = await new Browser(h).request("GET", "/me/style.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    const health = await h.request("GET", "/healthz");
    expect(health.headers.get("content-security-policy")).toBeNull();
  });

  it("answers an unknown page with a page, not problem+json", async () => {
    const h = await createHarness();
    const page = await new Browser(h, { "accept-language": "zh-CN" }).request("GET", "/me/nowhere");
    expect(page.status).toBe(404);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.text).toContain("找不到此页面");
  });
});

describe("signing in through the carrier", () => {
  it("sends the person to the carrier with state, nonce, return_to and lang", async () => {
    const h = await createHarness();
    const carrier = await carrierWithSignIn(h);
    const sent = await beginSignIn(new Browser(h), carrier);
    expect(sent.returnTo).toBe(`${ISSUER}/me/callback`);
    expect(sent.lang).toBe("en");
    expect(sent.nonce.length).toBeGreaterThanOrEqual(16);
    expect(sent.state.length).toBeGreaterThan(40);
  });

  it("opens a 15-minute HttpOnly, SameSite=Lax, Secure session that holds no number", async () => {
    const { h, carrier, holderSince } = await story();
    const browser = new Browser(h);
    const back = await signIn(h, browser, carrier, { holder_since: holderSince });
    expect(back.status).toBe(303);
    expect(back.location).toBe("/me?lang=en");
    const session = browser.setCookies.find((line) => line.startsWith("__Host-numbind-session="))!;
    expect(session).toMatch(/; HttpOnly/i);
    expect(session).toMatch(/; SameSite=Lax/i);
    expect(session).toMatch(/; Secure/i);
    expect(session).toMatch(/; Path=\//i);
    expect(Number(/Max-Age=(\d+)/i.exec(session)![1])).toBeLessThanOrEqual(15 * 60);
    const claims = decodeJwt(browser.cookies.get("__Host-numbind-session")!);
    expect(JSON.stringify(claims)).not.toContain(DIGITS);
    for (const line of browser.setCookies) expect(line).not.toContain(DIGITS);
  });

  it("lists the bindings, marks those verified before holder_since, and shows only the hint", async () => {
    const { h, carrier, holderSince } = await story();
    const browser = new Browser(h);
    await signIn(h, browser, carrier, { holder_since: holderSince });
    const page = await browser.request("GET", "/me");
    expect(page.status).toBe(200);
    expect(page.text).toContain(HINT);
    expect(page.text).not.toContain(DIGITS);
    expect(page.text).toContain(`<time datetime="${holderSince}">`);
    const previous = /<section class="previous"[\s\S]*?<\/section>/.exec(page.text)![0];
    expect(previous).toContain("Old Bank");
    expect(previous).not.toContain("New Shop");
    expect(previous).toContain("Cut all 1 from before you held this number");
    expect(page.text).toContain("New Shop");
  });

  it("marks nothing when the carrier does not say since when the person holds the number", async () => {
    const { h, carrier } = await story();
    const browser = new Browser(h);
    await signIn(h, browser, carrier);
    const page = await browser.request("GET", "/me");
    expect(page.text).not.toContain('class="previous"');
    expect(page.text).toContain("Cut all 2");
  });

  const refusals: [
    string,
    number,
    RegExp,
    (h: Harness, c: TestClient, b: Browser) => Promise<{ status: number; text: string }>,
  ][] = [
    [
      "a number outside the carrier's responsibility",
      403,
      /cannot sign in this number/,
      (h, c, b) => signIn(h, b, c, { sub: "tel:+8613812345678" }),
    ],
    ["a nonce from another sign-in", 400, /not accepted/, (h, c, b) => signIn(h, b, c, { nonce: "someone-elses" })],
    [
      "a sign-in that took longer than 10 minutes",
      400,
      /has expired/,
      async (h, c, b) => {
        const { state, nonce } = await beginSignIn(b, c);
        h.advance(11 * MINUTE);
        const assertion = await carrierAssertion(h, c, { nonce });
        return b.request("POST", "/me/callback", { form: { state, assertion }, crossSite: true });
      },
    ],
    [
      "an assertion of another carrier than the one chosen",
      400,
      /not accepted/,
      async (h, c, b) => {
        const other = await carrierWithSignIn(h, ["+86137"]);
        const { state, nonce } = await beginSignIn(b, c);
        const assertion = await carrierAssertion(h, other, { nonce, sub: "tel:+8613712345678" });
        return b.request("POST", "/me/callback", { form: { state, assertion }, crossSite: true });
      },
    ],
    ["a holder_since that is not a date", 400, /not accepted/, (h, c, b) => signIn(h, b, c, { holder_since: "soon" })],
    [
      "a forged state",
      400,
      /not accepted/,
      async (h, c, b) => {
        const { nonce } = await beginSignIn(b, c);
        const assertion = await carrierAssertion(h, c, { nonce });
        return b.request("POST", "/me/callback", { form: { state: "forged", assertion }, crossSite: true });
      },
    ],
  ];
  for (const [name, status, message, attempt] of refusals) {
    it(`refuses ${name} with a page that says so`, async () => {
      const h = await createHarness();
      const carrier = await carrierWithSignIn(h);
      const browser = new Browser(h);
      const refused = await attempt(h, carrier, browser);
      expect(refused.status).toBe(status);
      expect(refused.text).toMatch(message);
      expect(browser.cookies.has("__Host-numbind-session")).toBe(false);
    });
  }

  it("refuses a replayed assertion, in the person's language", async () => {
    const h = await createHarness();
    const carrier = await carrierWithSignIn(h);
    const browser = new Browser(h);
    const started = await browser.request("POST", "/me/sign-in", { form: { carrier: carrier.id, lang: "zh-CN" } });
    const target = new URL(started.location!);
    const state = target.searchParams.get("state")!;
    const assertion = await carrierAssertion(h, carrier, { nonce: target.searchParams.get("nonce") });
    const first = await browser.request("POST", "/me/callback", { form: { state, assertion }, crossSite: true });
    expect(first.status).toBe(303);
    const again = await browser.request("POST", "/me/callback", { form: { state, assertion }, crossSite: true });
    expect(again.status).toBe(400);
    expect(again.text).toContain('<html lang="zh-CN">');
    expect(again.text).toContain("此登录凭证已使用过");
  });

  it("binds the session to the browser that began the sign-in (login CSRF)", async () => {
    const { h, carrier } = await story();
    const attacker = new Browser(h);
    const { state, nonce } = await beginSignIn(attacker, carrier);
    const assertion = await carrierAssertion(h, carrier, { nonce });
    // The attacker's finished sign-in, posted from the victim's browser.
    const victim = new Browser(h);
    expect((await victim.request("POST", "/me/callback", { form: { state, assertion }, crossSite: true })).status).toBe(
      303,
    );
    const page = await victim.request("GET", "/me");
    expect(page.status).toBe(400);
    expect(page.text).toMatch(/started in another browser/);
    expect(page.text).not.toContain("Old Bank");
  });

  it("ends the session after 15 minutes", async () => {
    const { h, carrier } = await story();
    const browser = new Browser(h);
    await signIn(h, browser, carrier);
    h.advance(14 * MINUTE);
    expect((await browser.request("GET", "/me")).status).toBe(200);
    h.advance(2 * MINUTE);
    const expired = await browser.request("GET", "/me");
    expect(expired.status).toBe(400);
    expect(expired.text).toMatch(/has expired/);
  });
});

describe("cutting bindings", () => {
  it("cuts one with a CSRF-protected post: audited, and the app is told in its feed", async () => {
    const { h, carrier, bank, bankBinding, holderSince } = await story();
    const browser = new Browser(h);
    await signIn(h, browser, carrier, { holder_since: holderSince });
    const page = await browser.request("GET", "/me");
    const cut = await browser.request("POST", "/me/cut", { form: { csrf: csrfOf(page.text), id: bankBinding } });
    expect(cut.status).toBe(303);
    expect(cut.location).toBe("/me?cut=1");
    const after = await browser.request("GET", cut.location!);
    expect(after.text).toContain("1 binding cut");
    expect(after.text).not.toContain("Old Bank");

    const events = (await h.request("GET", "/v1/events", { token: await bank.bearer() })).json.items;
    expect(events).toContainEqual(
      expect.objectContaining({
        type: "binding.unbound",
        data: expect.objectContaining({ binding_id: bankBinding, reason: "USER_REQUEST" }),
      }),
    );
    const admin = await h.client("admin");
    const audit = (await h.request("GET", "/v1/admin/audit?limit=100", { token: await admin.token() })).json.items;
    expect(audit.map((entry: { action: string }) => entry.action)).toContain("me.binding_unbound");
  });

  it("cuts all it was shown in one post", async () => {
    const { h, carrier, bankBinding, shopBinding } = await story();
    const browser = new Browser(h);
    await signIn(h, browser, carrier);
    const page = await browser.request("GET", "/me");
    const cut = await browser.request("POST", "/me/cut", {
      form: { csrf: csrfOf(page.text), id: [bankBinding, shopBinding] },
    });
    expect(cut.location).toBe("/me?cut=2");
    expect((await browser.request("GET", "/me")).text).toContain("No app has your number bound right now.");
  });

  it("cuts all eight in one press within the default budget", async () => {
    const h = await createHarness();
    const carrier = await carrierWithSignIn(h);
    for (let i = 0; i < 8; i++) await bind(h, await h.client("app", `App ${i}`), `account-${i}`, h.now() - DAY);
    const browser = new Browser(h);
    await signIn(h, browser, carrier);
    const page = await browser.request("GET", "/me");
    const ids = [...page.text.matchAll(/data-binding="([^"]+)"/g)].map((match) => match[1]!);
    expect(ids).toHaveLength(8);
    const cut = await browser.request("POST", "/me/cut", { form: { csrf: csrfOf(page.text), id: ids } });
    expect(cut.location).toBe("/me?cut=8");
  });

  it("stops a cut-all cleanly when the person's request budget runs out, and finishes on the next press", async () => {
    // A registry that grants each person five requests a second, as NUMBIND_RATE_LIMITS=person=5/s does.
    const h = await createHarness({
      config: { rateLimits: { off: false, byKind: { person: { count: 5, perMs: 1000 } } } },
    });
    const carrier = await carrierWithSignIn(h);
    for (let i = 0; i < 8; i++) await bind(h, await h.client("app", `App ${i}`), `account-${i}`, h.now() - DAY);
    const browser = new Browser(h);
    await signIn(h, browser, carrier);
    const cutAll = async () => {
      const page = await browser.request("GET", "/me");
      const ids = [...page.text.matchAll(/data-binding="([^"]+)"/g)].map((match) => match[1]!);
      return browser.request("POST", "/me/cut", { form: { csrf: csrfOf(page.text), id: ids } });
    };
    const first = await cutAll();
    expect(first.location).toMatch(/^\/me\?cut=[1-7]&rest$/);
    // The budget is the person's, the page's own reads included: the list after it waits too.
    h.advance(MINUTE);
    expect((await browser.request("GET", first.location!)).text).toContain("The rest could not be cut yet");
    h.advance(MINUTE);
    const second = await cutAll();
    expect(second.location).toMatch(/^\/me\?cut=[1-7]$/);
    h.advance(MINUTE);
    expect((await browser.request("GET", "/me")).text).toContain("No app has your number bound right now.");
  });

  it("refuses a post without the session's CSRF token, and cuts nothing", async () => {
    const { h, carrier, bankBinding } = await story();
    const browser = new Browser(h);
    await signIn(h, browser, carrier);
    const forms: Record<string, string>[] = [{ id: bankBinding }, { id: bankBinding, csrf: "guess" }];
    for (const form of forms) {
      const refused = await browser.request("POST", "/me/cut", { form });
      expect(refused.status).toBe(403);
      expect(refused.text).toMatch(/could not confirm/);
    }
    expect((await browser.request("GET", "/me")).text).toContain("Old Bank");
  });

  it("refuses a cut without a session", async () => {
    const { h, bankBinding } = await story();
    const refused = await new Browser(h).request("POST", "/me/cut", { form: { id: bankBinding, csrf: "x" } });
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/has expired/);
  });

  it("signs out", async () => {
    const { h, carrier } = await story();
    const browser = new Browser(h);
    await signIn(h, browser, carrier);
    const page = await browser.request("GET", "/me");
    const out = await browser.request("POST", "/me/sign-out", { form: { csrf: csrfOf(page.text) } });
    expect(out.status).toBe(303);
    expect(browser.cookies.has("__Host-numbind-session")).toBe(false);
    expect((await browser.request("GET", out.location!)).text).toContain("You are signed out.");
  });
});

describe("the development carrier", () => {
  it("signs any number in, end to end, outside production", async () => {
    const h = await createHarness();
    const browser = new Browser(h);
    await browser.request("GET", "/me");
    const started = await browser.request("POST", "/me/sign-in", { form: { carrier: "dev-carrier", lang: "en" } });
    const target = new URL(started.location!);
    expect(target.href.startsWith(`${ISSUER}/dev/carrier?`)).toBe(true);
    const form = await browser.request("GET", `${target.pathname}${target.search}`);
    expect(form.status).toBe(200);
    expect(form.text).toContain('<label for="phone">');
    const fields = Object.fromEntries(target.searchParams);
    const invalid = await browser.request("POST", "/dev/carrier", { form: { ...fields, phone: "12" } });
    expect(invalid.status).toBe(400);
    const signed = await browser.request("POST", "/dev/carrier", { form: { ...fields, phone: DIGITS } });
    expect(signed.status).toBe(200);
    expect(signed.text).toContain(`action="${ISSUER}/me/callback"`);
    const assertion = /name="assertion" value="([^"]+)"/.exec(signed.text)![1]!;
    expect(decodeJwt(assertion)).toMatchObject({ iss: "dev-carrier", sub: `tel:${NUMBER}`, aud: ISSUER });
    const back = await browser.request("POST", "/me/callback", {
      form: { assertion, state: fields.state! },
      crossSite: true,
    });
    expect(back.status).toBe(303);
    expect((await browser.request("GET", "/me")).text).toContain(HINT);
  });

  it("refuses to sign for another return address", async () => {
    const h = await createHarness();
    const page = await new Browser(h).request(
      "GET",
      "/dev/carrier?state=s&nonce=n&return_to=https%3A%2F%2Fevil.example%2Fme%2Fcallback",
    );
    expect(page.status).toBe(400);
  });

  it("does not exist in production", async () => {
    const h = await createHarness({ config: { production: true } as Partial<AppConfig> });
    const browser = new Browser(h);
    expect((await browser.request("GET", "/dev/carrier?state=s&nonce=n")).status).toBe(404);
    expect((await browser.request("GET", "/me")).text).not.toContain("dev-carrier");
  });
});
