import { expect, it } from "vitest";
import { runDemo } from "../../scripts/demo.js";

it("npm run demo tells the whole story against a real server", async () => {
  const lines: string[] = [];
  await runDemo((line) => lines.push(line));
  const told = lines.join("\n");
  expect(told).toContain("receipt verified with the registry's JWKS");
  expect(told).toMatch(/marked 在你使用此号码之前绑定[^\n]*\n\s+Example Bank\n\s+Quick Loans/);
  expect(told).toContain("409 NUMBER_RECYCLED");
  expect(told).toContain("binding.unbound USER_REQUEST");
}, 60_000);
