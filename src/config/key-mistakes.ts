/**
 * The usual mistake when registering keys: handing over the private JWK that `numbind keygen`
 * wrote to its --out file instead of the public JWKS it printed. Named here so that the CLI and
 * the start-up check say the same thing.
 */
export function privateKeyMistake(value: unknown): string | undefined {
  const isPrivate = (jwk: unknown) => typeof jwk === "object" && jwk !== null && "d" in jwk;
  const keys = typeof value === "object" && value !== null ? (value as { keys?: unknown }).keys : undefined;
  if (isPrivate(value) || (Array.isArray(keys) && keys.some(isPrivate))) {
    return "this is a private key: pass the public JWKS that `numbind keygen` printed (the private key stays with the client)";
  }
  if (typeof value === "object" && value !== null && "kty" in value && !Array.isArray(keys)) {
    return 'this is a single JWK: wrap it in a key set, {"keys":[...]}';
  }
  return undefined;
}
