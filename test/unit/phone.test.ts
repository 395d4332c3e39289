import { describe, expect, it } from "vitest";
import { hashPhone, maskPhone, normalizePhone } from "../../src/phone.js";

describe("phone numbers", () => {
  it("normalises E.164 and national forms to one E.164", () => {
    for (const input of ["+8613912345678", "13912345678", "139 1234 5678", "139-1234-5678", "+86 139 1234 5678"]) {
      expect(normalizePhone(input, "CN"), input).toBe("+8613912345678");
    }
    expect(normalizePhone("(415) 555-2671", "US")).toBe("+14155552671");
  });

  it("refuses what is not a valid number", () => {
    for (const input of [
      "",
      "+86139",
      "+8619412345678",
      "139abcd5678",
      "call me: 13912345678",
      "+861391234567890123",
    ]) {
      expect(normalizePhone(input, "CN"), input).toBeUndefined();
    }
  });

  it("masks the middle and hashes with the pepper", () => {
    expect(maskPhone("+8613912345678")).toBe("+86139****5678");
    expect(maskPhone("+14155552671")).toBe("+1415***2671");
    expect(hashPhone("a".repeat(32), "+8613912345678")).not.toBe(hashPhone("b".repeat(32), "+8613912345678"));
    expect(hashPhone("a".repeat(32), "+8613912345678")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
