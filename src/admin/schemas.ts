import { z } from "@hono/zod-openapi";
import { CLIENT_KINDS } from "../db/enums.js";

const Jwk = z.record(z.string(), z.unknown());
export const JwksInput = z
  .object({ keys: z.array(Jwk).min(1).max(10) })
  .openapi({ description: "Public keys only (Ed25519 or P-256), each with a kid." });
export const Prefixes = z
  .array(z.string().openapi({ example: "+86139" }))
  .max(1000)
  .openapi({ description: "E.164 prefixes the carrier is responsible for." });
export const ClientKindSchema = z.enum(CLIENT_KINDS);
export const ClientName = z.string().trim().min(1).max(200);

export const ClientSchema = z
  .object({
    id: z.string().openapi({ example: "app_01jabcdefghjkmnpqrstvwxyz" }),
    kind: ClientKindSchema,
    name: z.string(),
    number_prefixes: z.array(z.string()),
    disabled: z.boolean(),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Client");
