import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

describe("one version everywhere", () => {
  it("package.json, the OpenAPI document and the CHANGELOG name the same version", () => {
    const { version } = JSON.parse(read("package.json")) as { version: string };
    // openapi.yaml is generated from src/app.ts and checked for drift by `npm run openapi:check`.
    expect((parse(read("openapi.yaml")) as { info: { version: string } }).info.version).toBe(version);
    expect(read("CHANGELOG.md")).toMatch(new RegExp(`^## ${version.replaceAll(".", "\\.")}\\b`, "m"));
  });
});
