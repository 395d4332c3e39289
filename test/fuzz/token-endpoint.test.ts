import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import { CLIENT_ASSERTION_TYPE } from "../../src/client/assertion.js";
import { type Harness, ISSUER, signJwt } from "../support/harness.js";
import { clients, PERSON_GRANT, SEED, send, startFuzzing, summary } from "./app-under-fuzz.js";
import { phoneNumber, spoil, spoilBytes } from "./arbitraries.js";

/** The token endpoint's forms: see app-under-fuzz.ts for what each answer must be. */
const RUNS = 500;
let h: Harness;

beforeAll(async () => {
  h = await startFuzzing();
});

/** Mostly `usual`, now and then anything else, sometimes left out (undefined). */
const mostly = <T>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 6, arbitrary: usual },
    { weight: 2, arbitrary: odd },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
const rarely = <T>(value: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });
const SIGNERS = ["app", "carrier", "admin"] as const;

describe("fuzzing the token endpoint", () => {
  it("forms with forged, odd and number-bearing assertions", async () => {
    // Mostly well-formed, so that requests get past the form to the signature and the claims.
    const claims = fc.record({
      iss: mostly(fc.constant("signer"), fc.oneof(fc.constantFrom(...SIGNERS), fc.string(), phoneNumber)),
      sub: mostly(
        fc.constant("natural"),
        fc.oneof(
          phoneNumber.map((n) => `tel:${n}`),
          phoneNumber,
          fc.string(),
        ),
      ),
      aud: mostly(
        fc.constantFrom(ISSUER, `${ISSUER}/oauth/token`),
        fc.oneof(fc.constant("https://elsewhere.test"), phoneNumber),
      ),
      iat: mostly(fc.constant(0), fc.integer({ min: -600, max: 600 })),
      exp: mostly(fc.constant(60), fc.integer({ min: -600, max: 3600 })),
      jti: mostly(fc.uuid(), fc.oneof(fc.constant("fixed"), phoneNumber)),
      kid: rarely(fc.oneof(fc.string(), phoneNumber)),
    });
    const form = fc.record({
      grant_type: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom("client_credentials", PERSON_GRANT) },
        { weight: 1, arbitrary: fc.oneof(fc.constantFrom("password", ""), phoneNumber) },
      ),
      assertion_type: fc.oneof(
        { weight: 8, arbitrary: fc.constant(CLIENT_ASSERTION_TYPE) },
        { weight: 1, arbitrary: fc.string() },
      ),
      signer: fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...SIGNERS) },
        { weight: 1, arbitrary: fc.constant("none" as const) },
      ),
      claims,
      person: fc.oneof(
        { weight: 3, arbitrary: fc.stringMatching(/^\+86139\d{8}$/) },
        { weight: 1, arbitrary: phoneNumber },
      ),
      garbage: fc.oneof(fc.string(), phoneNumber, fc.constant("a.b.c")),
      client_id: rarely(fc.oneof(fc.string(), phoneNumber)),
      scope: rarely(fc.oneof(fc.constantFrom("bindings", "me", "admin", "numbers x"), phoneNumber)),
      repeat: rarely(fc.constant(true)),
      extra: rarely(fc.tuple(fc.oneof(phoneNumber, fc.string()), fc.string())),
      spoil,
    });
    await fc.assert(
      fc.asyncProperty(form, async (drawn) => {
        const now = Math.floor(h.now() / 1000);
        const { iss, sub, iat, exp, kid, ...rest } = drawn.claims;
        const signer = drawn.signer === "none" ? undefined : clients[drawn.signer];
        const person = drawn.grant_type === PERSON_GRANT;
        const signed = {
          iss: iss === "signer" ? signer?.id : SIGNERS.includes(iss as "app") ? clients[iss as "app"].id : iss,
          sub: sub === "natural" ? (person ? `tel:${drawn.person}` : signer?.id) : sub,
          ...rest,
          ...(iat === undefined ? {} : { iat: now + iat }),
          ...(exp === undefined ? {} : { exp: now + exp }),
        };
        const assertion = signer
          ? await signJwt(signer.privateJwk, signed, kid === undefined ? {} : { kid })
          : drawn.garbage;
        const fields = new URLSearchParams({
          grant_type: drawn.grant_type,
          client_assertion_type: drawn.assertion_type,
        });
        fields.set(person ? "assertion" : "client_assertion", assertion);
        if (drawn.client_id !== undefined) fields.set("client_id", drawn.client_id);
        if (drawn.scope !== undefined) fields.set("scope", drawn.scope);
        if (drawn.repeat) fields.append("grant_type", drawn.grant_type);
        if (drawn.extra) for (let i = 0; i < 2; i++) fields.append(...drawn.extra);
        const body = spoilBytes(new TextEncoder().encode(fields.toString()), drawn.spoil);
        await send({
          method: "POST",
          path: "/oauth/token",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body,
          hidden: signer ? JSON.stringify({ ...signed, kid }) : "",
        });
      }),
      { seed: SEED + 2, numRuns: RUNS },
    );
    console.log(`fuzz: ${summary()}`);
  }, 60_000);
});
