import { describe, expect, it } from "vitest";
import { parseHolderSince } from "../../src/people/verify-sign-in.js";

const NOW = Date.UTC(2026, 5, 1);

describe("holder_since", () => {
  it("reads a bare date from the first moment it began anywhere (UTC+14)", () => {
    expect(parseHolderSince("2026-03-01", NOW)).toEqual({ at: Date.parse("2026-02-28T10:00:00Z"), day: "2026-03-01" });
  });

  it("reads a date-time at its own offset, and shows the carrier's calendar day", () => {
    expect(parseHolderSince("2026-03-01T00:00:00+08:00", NOW)).toEqual({
      at: Date.parse("2026-02-28T16:00:00Z"),
      day: "2026-03-01",
    });
  });

  it("is unknown when absent", () => {
    expect(parseHolderSince(undefined, NOW)).toBeUndefined();
  });

  for (const value of ["2026-02-30", "2026-3-1", "yesterday", "2026-03-01T00:00", 20260301, "2027-01-01"]) {
    it(`refuses ${JSON.stringify(value)}`, () => {
      expect(parseHolderSince(value, NOW)).toBe("invalid");
    });
  }
});
