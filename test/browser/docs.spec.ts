import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSigningJwk } from "../../src/auth/keys.js";
import { parseEnvironment, resolveConfig } from "../../src/config.js";
import { type NodeServer, startNodeServer } from "../../src/runtime/node/server.js";

/** Debian's chromium package; CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
];

let server: NodeServer;
let base: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  const env = {
    NODE_ENV: "production",
    PORT: "0",
    NUMBIND_DB_PATH: ":memory:",
    NUMBIND_ISSUER: "http://127.0.0.1",
    NUMBIND_PEPPER: "docs-test-pepper-docs-test-pepper-docs-test",
    NUMBIND_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningJwk()] }),
  };
  server = await startNodeServer(resolveConfig(parseEnvironment(env)));
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server?.close());

describe("/docs in a browser", () => {
  it("renders every operation with nothing fetched from another origin", async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    try {
      const page = await browser.newPage();
      const requested: string[] = [];
      const errors: string[] = [];
      page.on("request", (request) => requested.push(request.url()));
      page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`${base}/docs`);
      await page.waitForSelector(".opblock-summary-path", { timeout: 30_000 });
      const paths = await page.locator(".opblock-summary-path").allTextContents();
      expect(paths.map((path) => path.replace(/\u200b/g, ""))).toEqual(
        expect.arrayContaining(["/v1/bindings", "/oauth/token"]),
      );
      expect(requested.filter((url) => !url.startsWith(`${base}/`) && !url.startsWith("data:"))).toEqual([]);
      expect(requested).toEqual(expect.arrayContaining([`${base}/openapi.json`]));
      expect(errors, requested.join("\n")).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
