import { z } from "@hono/zod-openapi";
import { BINDING_STATUSES, END_REASONS } from "../db/enums.js";
import { TimestampOut } from "../http/openapi.js";

export const EndReason = z.enum(END_REASONS);
export const BindingStatus = z.enum(BINDING_STATUSES);

export const BindingId = z
  .string()
  .min(1)
  .max(64)
  .openapi({ param: { name: "id", in: "path" }, example: "bnd_01kf2x8y0abcdefghjkmnpqrstv" });

export const BindingSchema = z
  .object({
    id: z.string(),
    phone_number_hint: z.string().openapi({ example: "+86139****5678" }),
    account_ref: z.string(),
    status: BindingStatus,
    bound_at: TimestampOut,
    verified_at: TimestampOut,
    last_seen_at: TimestampOut,
    expires_at: TimestampOut.nullable().openapi({
      description: "last_seen_at + the inactivity window; null once unbound.",
    }),
    ended_at: TimestampOut.nullable(),
    end_reason: EndReason.nullable(),
  })
  .openapi("Binding");
