import { z } from "@hono/zod-openapi";

// CAMARA Number Recycling r2.2 (number-recycling v0.2.0), its own schema names and camelCase members.

const PhoneNumber = z
  .string()
  .regex(/^\+[1-9][0-9]{4,14}$/)
  .openapi("PhoneNumber", {
    description:
      "A public identifier addressing a telephone subscription. In mobile networks it corresponds to the MSISDN " +
      "(Mobile Station International Subscriber Directory Number). In order to be globally unique it has to be " +
      "formatted in international format, according to E.164 standard, prefixed with '+'.",
    example: "+123456789",
  });

/**
 * Unknown members are refused (400 INVALID_ARGUMENT), as everywhere in numbind and as CAMARA asks
 * of every API from Commonalities r4 on; the r2.2 schema itself does not say.
 */
export const CreateCheckNumRecycling = z
  .strictObject({
    phoneNumber: PhoneNumber.optional(),
    specifiedDate: z.iso.date().openapi({
      description:
        "Specified date to check whether there has been a change in the subscriber associated with the specific " +
        "phone number, in RFC 3339 calendar date format (YYYY-MM-DD). numbind reads dates as UTC days: a change " +
        "counts from 00:00 UTC of the day after; a date later than today (UTC) is OUT_OF_RANGE.",
      example: "2024-10-31",
    }),
  })
  .openapi("CreateCheckNumRecycling");

export const CheckNumRecyclingInfo = z
  .object({
    phoneNumberRecycled: z.boolean().openapi({
      description:
        "Set to true (Boolean, not string) when there has been a change in the subscriber associated with the specific phone number after “specifiedDate”.",
    }),
  })
  .openapi("CheckNumRecyclingInfo");
