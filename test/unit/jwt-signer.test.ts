import { createLocalJWKSet, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { joseJwtSigner } from "../../src/auth/jwt-signer.js";
import { generateSigningJwk, importSigningKeys } from "../../src/auth/keys.js";
import { nodeJwtSigner } from "../../src/runtime/node/signer.js";

describe("the Node JWT signer", () => {
  it("makes byte for byte the token jose makes (Ed25519 is deterministic), and jose verifies it", async () => {
    const [key] = await importSigningKeys({ keys: [await generateSigningJwk()] });
    const claims = {
      iss: "https://numbind.test",
      sub: "car_1",
      iat: 1_800_000_000,
      jti: "j-1",
      results: [{ phone_number: "+8613912345678", outstanding: 2, app_ids: ["app_a", "app_ü"] }],
    };

    const fromNode = await nodeJwtSigner(key!, "binding-check+jwt", claims);
    expect(fromNode).toBe(await joseJwtSigner(key!, "binding-check+jwt", claims));

    const { payload, protectedHeader } = await jwtVerify(fromNode, createLocalJWKSet({ keys: [key!.publicJwk] }), {
      algorithms: ["EdDSA"],
      issuer: "https://numbind.test",
      typ: "binding-check+jwt",
      currentDate: new Date(1_800_000_000_000),
    });
    expect(protectedHeader).toEqual({ alg: "EdDSA", kid: key!.kid, typ: "binding-check+jwt" });
    expect(payload).toEqual(claims);
  });

  it("signs with the key it is given, so a token of another key fails verification", async () => {
    const [first, second] = await importSigningKeys({ keys: [await generateSigningJwk(), await generateSigningJwk()] });
    const token = await nodeJwtSigner(second!, "at+jwt", { sub: "x" });
    await expect(
      jwtVerify(token, createLocalJWKSet({ keys: [{ ...first!.publicJwk, kid: second!.kid }] }), {
        algorithms: ["EdDSA"],
      }),
    ).rejects.toThrow();
  });
});
