import { z } from "@hono/zod-openapi";
import { WEBHOOK_DISABLED_REASONS } from "../db/control-schema.js";
import { APP_EVENT_TYPES } from "../db/enums.js";
import { TimestampOut } from "../http/openapi.js";

const EndpointId = z
  .string()
  .min(1)
  .max(64)
  .openapi({ param: { name: "id", in: "path" }, example: "wh_01kf2x8y0abcdefghjkmnpqrstv" });

export const EndpointParams = z.object({ id: EndpointId });

export const EndpointUrl = z.string().min(1).max(2000).openapi({
  description:
    "Where events are POSTed. In production: https, on a host that resolves to public addresses only. Redirects are not followed.",
  example: "https://bank.example/hooks/numbind",
});

export const EventTypes = z
  .array(z.enum(APP_EVENT_TYPES))
  .min(1)
  .max(APP_EVENT_TYPES.length)
  .nullable()
  .openapi({ description: "The event types sent; null or absent: every type." });

export const EndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    event_types: z.array(z.enum(APP_EVENT_TYPES)).nullable(),
    enabled: z.boolean(),
    disabled_reason: z.enum(WEBHOOK_DISABLED_REASONS).nullable().openapi({
      description: "Why the registry disabled it: GONE (it answered 410), FAILING (five days of failures).",
    }),
    previous_secret_expires_at: TimestampOut.nullable().openapi({
      description: "During a secret rotation: until when the previous secret signs beside the new one.",
    }),
    created_at: TimestampOut,
    updated_at: TimestampOut,
  })
  .openapi("WebhookEndpoint");

const Secret = z.string().openapi({
  description: "The signing secret (Standard Webhooks). Shown only in this answer: store it now.",
  example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
});

export const EndpointWithSecret = EndpointSchema.extend({ secret: Secret }).openapi("WebhookEndpointWithSecret");

export const AttemptSchema = z
  .object({
    id: z.number().int(),
    webhook_id: z
      .string()
      .openapi({ description: "The webhook-id header: the feed event's id, or test_… for a test." }),
    event_id: z.number().int().nullable().openapi({ description: "The feed event; null for a test." }),
    event_type: z.string(),
    attempted_at: TimestampOut,
    status: z.enum(["succeeded", "failed"]),
    response_status: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The endpoint's HTTP status; null without an answer." }),
    latency_ms: z.number().int(),
    error: z.string().nullable().openapi({
      description: "What went wrong without an HTTP answer (timeout, refused destination), or a redirect.",
    }),
    response_body: z.string().nullable().openapi({ description: "The first KiB of the endpoint's answer." }),
    next_retry_at: TimestampOut.nullable().openapi({ description: "When this event is tried again; null: not again." }),
  })
  .openapi("WebhookAttempt");
