import { existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, type LocalRegistry, startLocalRegistry } from "../../scripts/lib/local-registry.js";

/** Debian's chromium package; CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Without the background-networking flags Chromium dials Google at start, which a closed network refuses. */
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** NUMBIND_SCREENSHOTS=1 writes the README's screenshots; otherwise they go to a temporary folder. */
const SCREENSHOTS = process.env.NUMBIND_SCREENSHOTS
  ? join(import.meta.dirname, "../../docs/screenshots")
  : mkdtempSync(join(tmpdir(), "numbind-screenshots-"));
const DAY = 86_400_000;

let registry: LocalRegistry;
let browser: Browser;
let apps: { bank: ApiClient; shop: ApiClient; loans: ApiClient };
const contexts: BrowserContext[] = [];
const consoleErrors: string[] = [];
/** Console errors a test provokes on purpose: Chromium logs every 4xx document it is sent. */
const expectedErrors: RegExp[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium fonts-noto-cjk, or set CHROMIUM_PATH`);
  }
  registry = await startLocalRegistry();
  apps = {
    bank: await registry.register("app", "Example Bank"),
    shop: await registry.register("app", "Example Shop"),
    loans: await registry.register("app", "Quick Loans"),
  };
  // The first look at /me registers the development carrier; its sign-in then moves to localhost,
  // another site than 127.0.0.1, so the carrier's post back is cross-site as with a real carrier.
  expect((await fetch(`${registry.base}/me`)).status).toBe(200);
  const moved = await registry.admin.call("PATCH", "/v1/admin/clients/dev-carrier", {
    person_sign_in_url: `http://localhost:${registry.port}/dev/carrier`,
  });
  expect(moved.status).toBe(200);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await registry?.close();
});

afterEach(async () => {
  for (const context of contexts.splice(0)) await context.close();
  const expected = expectedErrors.splice(0);
  const unexpected = consoleErrors.splice(0).filter((line) => !expected.some((pattern) => pattern.test(line)));
  expect(unexpected).toEqual([]);
});

/** A fresh browser profile, phone-sized; every console error or page error fails the test. */
async function openPage(options: { locale: "zh-CN" | "en-US"; javaScript?: boolean }): Promise<Page> {
  const context = await browser.newContext({
    locale: options.locale,
    javaScriptEnabled: options.javaScript ?? true,
    viewport: { width: 390, height: 844 },
  });
  contexts.push(context);
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(`${page.url()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
  return page;
}

async function bind(app: ApiClient, phoneNumber: string, accountRef: string, verifiedDaysAgo: number) {
  const verifiedAt = new Date(Date.now() - verifiedDaysAgo * DAY).toISOString();
  const answer = await app.call("PUT", "/v1/bindings", {
    phone_number: phoneNumber,
    account_ref: accountRef,
    verified_at: verifiedAt,
  });
  expect(answer.status).toBe(201);
}

/** /me → the development carrier (on localhost) → back to /me, signed in. */
async function signIn(page: Page, nationalNumber: string, holderSince?: string) {
  await page.goto(`${registry.base}/me`);
  await page.selectOption("#carrier", "dev-carrier");
  await page.click("form.sign-in button[type=submit]");
  await page.waitForURL(/^http:\/\/localhost:\d+\/dev\/carrier\?/);
  await page.fill("#phone", nationalNumber);
  if (holderSince) await page.fill("#holder_since", holderSince);
  await page.click("main form button[type=submit]");
  await page.click("main form button[type=submit]");
  await page.waitForURL(`${registry.base}/me?lang=*`);
}

const bindingNames = (page: Page, section: "previous" | "current") =>
  page.locator(`section.${section} li.binding h3`).allTextContents();

describe("the people page in Chromium", () => {
  it("signs in through the carrier, cuts one binding, then all", async () => {
    await bind(apps.bank, "+8613912340001", "alice", 30);
    await bind(apps.shop, "+8613912340001", "alice-shop", 20);
    await bind(apps.loans, "+8613912340001", "alice-loans", 10);
    const page = await openPage({ locale: "en-US" });
    await signIn(page, "13912340001");
    expect(await page.textContent("dd.hint")).toBe("+86139****0001");
    expect((await bindingNames(page, "current")).sort()).toEqual(["Example Bank", "Example Shop", "Quick Loans"]);
    const cookies = await page.context().cookies(registry.base);
    const session = cookies.find((cookie) => cookie.name === "numbind-session")!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax" });
    expect(session.value).not.toContain("13912340001");

    await page.click('li.binding:has(h3:text-is("Example Bank")) button');
    await expect.poll(() => page.textContent("p.notice")).toContain("1 binding cut");
    expect((await bindingNames(page, "current")).sort()).toEqual(["Example Shop", "Quick Loans"]);

    await page.click('section.current > form.cut button:has-text("Cut all 2")');
    await expect.poll(() => page.textContent("p.notice")).toContain("2 bindings cut");
    expect(await page.textContent("p.empty")).toBe("No app has your number bound right now.");
  });

  it("marks the previous holder's bindings, in Chinese and English, and cuts them all", async () => {
    await bind(apps.bank, "+8613912340002", "previous-owner", 400);
    await bind(apps.loans, "+8613912340002", "previous-owner-loans", 300);
    await bind(apps.shop, "+8613912340002", "me", 5);
    const holderSince = new Date(Date.now() - 60 * DAY).toISOString().slice(0, 10);
    const page = await openPage({ locale: "zh-CN" });
    await page.goto(`${registry.base}/me`);
    expect(await page.getAttribute("html", "lang")).toBe("zh-CN");
    expect(await page.textContent("h1")).toBe("哪些应用还绑定着你的号码？");
    await page.screenshot({ path: join(SCREENSHOTS, "sign-in.zh-CN.png"), fullPage: true });

    await signIn(page, "13912340002", holderSince);
    expect(await page.getAttribute("html", "lang")).toBe("zh-CN");
    expect(await page.textContent("section.previous h2")).toBe("在你使用此号码之前绑定");
    expect((await bindingNames(page, "previous")).sort()).toEqual(["Example Bank", "Quick Loans"]);
    expect(await bindingNames(page, "current")).toEqual(["Example Shop"]);
    await page.screenshot({ path: join(SCREENSHOTS, "people-page.zh-CN.png"), fullPage: true });

    await page.click("header a.switch");
    expect(await page.getAttribute("html", "lang")).toBe("en");
    expect(await page.textContent("section.previous h2")).toBe("From before you held this number");
    await page.screenshot({ path: join(SCREENSHOTS, "people-page.en.png"), fullPage: true });

    await page.click('section.previous > form.cut button:has-text("Cut all 2 from before you held this number")');
    await expect.poll(() => page.textContent("p.notice")).toContain("2 bindings cut");
    expect(await page.locator("section.previous").count()).toBe(0);
    expect(await bindingNames(page, "current")).toEqual(["Example Shop"]);
    // The language chosen with the switch stays chosen.
    await page.goto(`${registry.base}/me`);
    expect(await page.getAttribute("html", "lang")).toBe("en");
  });

  it("works with JavaScript switched off, form by form", async () => {
    await bind(apps.bank, "+8613912340003", "carol", 50);
    const page = await openPage({ locale: "en-US", javaScript: false });
    await page.goto(`${registry.base}/me`);
    await page.screenshot({ path: join(SCREENSHOTS, "sign-in.en.png"), fullPage: true });
    await signIn(page, "+86 139 1234 0003");
    expect(await bindingNames(page, "current")).toEqual(["Example Bank"]);
    await page.click("li.binding button");
    await expect.poll(() => page.textContent("p.notice")).toContain("1 binding cut");
    await page.click("form.sign-out button");
    expect(await page.textContent("p.notice")).toBe("You are signed out.");
  });

  it("tells a person whose sign-in is replayed what happened, in their language", async () => {
    const page = await openPage({ locale: "zh-CN" });
    await page.goto(`${registry.base}/me`);
    await page.selectOption("#carrier", "dev-carrier");
    await page.click("form.sign-in button[type=submit]");
    await page.fill("#phone", "13912340004");
    await page.click("main form button[type=submit]");
    // The carrier's form, kept: the same assertion is sent a second time after it was used.
    const carrierForm = await page.innerHTML("main form");
    const action = await page.getAttribute("main form", "action");
    await page.click("main form button[type=submit]");
    await page.waitForURL(`${registry.base}/me?lang=*`);
    await page.goto("about:blank");
    await page.setContent(`<form method="post" action="${action}">${carrierForm}</form>`);
    expectedErrors.push(/\/me\/callback: Failed to load resource: .* 400 \(Bad Request\)$/);
    await page.click("form button[type=submit]");
    expect(await page.textContent("h1")).toBe("此登录凭证已使用过");
  });
});
