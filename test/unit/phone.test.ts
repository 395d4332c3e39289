import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashPhone, maskPhone, normalizePhone, parsePhoneInput } from "../../src/phone.js";

describe("phone numbers", () => {
  it("normalises E.164 and national forms to one E.164", () => {
    for (const input of ["+8613912345678", "13912345678", "139 1234 5678", "139-1234-5678", "+86 139 1234 5678"]) {
      expect(normalizePhone(input, "CN"), input).toBe("+8613912345678");
    }
    expect(normalizePhone("(415) 555-2671", "US")).toBe("+14155552671");
  });

  it('reads international prefixes, codes without "+", shared codes and local forms as libphonenumber does', () => {
    expect(normalizePhone("00 86 139 1234 5678", "CN")).toBe("+8613912345678");
    expect(normalizePhone("8613912345678", "CN")).toBe("+8613912345678");
    expect(normalizePhone("011 44 20 7946 0958", "US")).toBe("+442079460958");
    expect(normalizePhone("+1 876 555 0123", "CN")).toBe("+18765550123");
    expect(normalizePhone("8 (800) 555-35-35", "RU")).toBe("+78005553535");
    expect(normalizePhone("4601234", "AG")).toBe("+12684601234");
    // Outside the fast path (another space; an unknown region): libphonenumber-js itself answers.
    expect(normalizePhone("139\u00a01234 5678", "CN")).toBe("+8613912345678");
    expect(normalizePhone("13912345678", "cn")).toBeUndefined();
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
    expect(hashPhone("a".repeat(32), "+8613912345678")).toBe(
      createHmac("sha256", "a".repeat(32)).update("+8613912345678").digest("base64url"),
    );
    expect(parsePhoneInput("a".repeat(32), "139 1234 5678", "CN")).toEqual({
      e164: "+8613912345678",
      hash: createHmac("sha256", "a".repeat(32)).update("+8613912345678").digest("base64url"),
      hint: "+86139****5678",
    });
  });
});
