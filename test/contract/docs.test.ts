import { describe, expect, it } from "vitest";
import { createHarness, ISSUER } from "../support/harness.js";

// /docs is read on intranets and offline: everything it loads comes from the registry itself.

/** Every absolute http(s) origin a text names, except XML namespaces (names, not fetches). */
function origins(text: string): string[] {
  const found = text.match(/https?:\/\/[^\s"'<>)]+/g) ?? [];
  return found.filter((url) => !url.startsWith("http://www.w3.org/")).map((url) => new URL(url).origin);
}

describe("the interactive reference", () => {
  it("names no other origin in its page, and tells the browser to load nothing from one", async () => {
    const h = await createHarness();
    const page = await h.request("GET", "/docs");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(origins(page.text).filter((origin) => origin !== new URL(ISSUER).origin)).toEqual([]);
    const policy = page.headers.get("content-security-policy") ?? "";
    for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "img-src 'self' data:"]) {
      expect(policy).toContain(directive);
    }
  });

  it("serves each script and style sheet the page loads, from the package", async () => {
    const h = await createHarness();
    const page = await h.request("GET", "/docs");
    const loaded = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)]
      .map((match) => match[1]!)
      .filter((url) => !url.startsWith("data:"));
    expect(loaded).toEqual(["docs/swagger-ui.css", "docs/swagger-ui-bundle.js", "docs/start.js"]);
    for (const path of loaded) {
      const asset = await h.request("GET", `/${path}`);
      expect(asset.status, path).toBe(200);
      expect(asset.headers.get("content-type"), path).toMatch(
        path.endsWith(".css") ? /^text\/css/ : /^text\/javascript/,
      );
      expect(asset.text.length, path).toBeGreaterThan(path.endsWith("start.js") ? 50 : 10_000);
    }
    const start = await h.request("GET", "/docs/start.js");
    // Swagger UI's default would send the document to its public validator.
    expect(start.text).toMatch(/validatorUrl: null/);
    expect((await h.request("GET", "/docs/swagger-ui-bundle.js.LICENSE.txt")).status).toBe(200);
    expect((await h.request("GET", "/docs/constructor")).status).toBe(404);
  });
});
