import { z } from "@hono/zod-openapi";
import { CLIENT_KINDS } from "../db/enums.js";

const Jwk = z.record(z.string(), z.unknown());
export const JwksInput = z.object({ keys: z.array(Jwk).min(1).max(10) }).openapi({
  description: "Public keys only, each with a kid: Ed25519, P-256, or RSA (2048 to 8192 bits, e = 65537).",
});
export const Prefixes = z
  .array(z.string().openapi({ example: "+86139" }))
  .max(1000)
  .openapi({ description: "E.164 prefixes the carrier is responsible for." });
export const ClientKindSchema = z.enum(CLIENT_KINDS);
export const ClientName = z.string().trim().min(1).max(200);
export const PersonSignInUrl = z.url().max(2000).nullable().openapi({
  description: "Carriers: where the people page sends a person to sign in (with state, nonce, return_to).",
});
export const ReportingSince = z.iso
  .datetime({ offset: true })
  .nullable()
  .openapi({ description: "Carriers: since when their events are complete; set at creation, earlier for a backfill." });
export const RateLimit = z.string().max(20).nullable().openapi({
  description: "The client's request budget (`200/s`, `3000/min`, `off`); null: its kind's default.",
  example: "200/s",
});

export const ClientSchema = z
  .object({
    id: z.string().openapi({ example: "app_01jabcdefghjkmnpqrstvwxyz" }),
    kind: ClientKindSchema,
    name: z.string(),
    number_prefixes: z.array(z.string()),
    disabled: z.boolean(),
    person_sign_in_url: z.string().nullable(),
    reporting_since: z.string().nullable().openapi({ format: "date-time" }),
    rate_limit: z.string().nullable(),
    jwks: z
      .object({ keys: z.array(z.record(z.string(), z.unknown())) })
      .openapi({ description: "The client's public keys, as registered." }),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Client");

/** The settings members of a create or update body, as the clients module takes them. */
export function settingsFrom(body: {
  person_sign_in_url?: string | null;
  reporting_since?: string | null;
  rate_limit?: string | null;
}) {
  return {
    personSignInUrl: body.person_sign_in_url,
    reportingSince:
      body.reporting_since === undefined || body.reporting_since === null
        ? body.reporting_since
        : Date.parse(body.reporting_since),
    rateLimit: body.rate_limit,
  };
}
