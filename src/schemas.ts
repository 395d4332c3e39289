import { z } from "@hono/zod-openapi";
import { parsePhoneInput, type PhoneNumber } from "./phone.js";
import { invalidField } from "./problems.js";
import type { Runtime } from "./env.js";

export const security = [{ bearer: [] }];

/** What every authenticated route may answer before its own logic runs. */
export const AUTH_ERRORS = ["UNAUTHENTICATED", "PERMISSION_DENIED"] as const;

export const PhoneNumberInput = z
  .string()
  .min(1)
  .max(32)
  .openapi({
    description: "E.164 (`+8613912345678`) or national form in the registry's default region (`139 1234 5678`).",
    example: "+8613912345678",
  });

export const Timestamp = z.iso.datetime({ offset: true }).openapi({ description: "RFC 3339 timestamp.", example: "2026-01-15T08:00:00Z" });
export const TimestampOut = z.string().openapi({ format: "date-time", example: "2026-01-15T08:00:00.000Z" });

export const BindingId = z.string().min(1).max(64).openapi({ param: { name: "id", in: "path" }, example: "bnd_01kf2x8y0abcdefghjkmnpqrstv" });

/** Normalises a number from the body, or 400 pointing at the field. */
export function parsePhone(runtime: Runtime, input: string, pointer: string): PhoneNumber {
  const phone = parsePhoneInput(runtime.config.pepper, input, runtime.config.defaultRegion);
  if (!phone) throw invalidField(pointer, "is not a valid phone number");
  return phone;
}
