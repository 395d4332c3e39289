import { exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { parseClientJwks, verificationJwks } from "../../src/auth/keys.js";
import { N_2047 } from "../contract/rsa-moduli.js";

describe("RSA keys", () => {
  it("keeps only the public members of a registered RSA key, and its alg", async () => {
    const { publicKey } = await generateKeyPair("PS256", { modulusLength: 2048, extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: "k", alg: "PS256", use: "sig", key_ops: ["verify"] };
    expect(parseClientJwks({ keys: [jwk] }).keys).toEqual([
      { kty: "RSA", n: jwk.n, e: "AQAB", kid: "k", alg: "PS256" },
    ]);
  });

  it("leaves a key under 2048 bits out of verification, however it reached the store", async () => {
    // workerd reports a 2047-bit modulus as 2048 bits, so jose would accept it there.
    const { publicKey } = await generateKeyPair("RS256", { modulusLength: 2048, extractable: true });
    const strong = { ...(await exportJWK(publicKey)), kid: "strong" };
    const weak = { kty: "RSA", n: N_2047, e: "AQAB", kid: "weak" };
    expect(verificationJwks({ keys: [weak, strong] }).keys.map((key) => key.kid)).toEqual(["strong"]);
  });
});
