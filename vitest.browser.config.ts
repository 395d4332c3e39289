import { defineConfig } from "vitest/config";

/** The people page in Debian's headless Chromium, against a real Node server (test/browser/README in docs/people.md). */
export default defineConfig({
  test: {
    name: "browser",
    include: ["test/browser/**/*.spec.ts"],
    environment: "node",
    // One browser, one server: the files run one after another.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
