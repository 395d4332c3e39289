import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateSigningJwk, type PrivateJwks, parsePrivateJwks } from "../../auth/keys.js";

function readOrCreate(path: string, create: () => string): string {
  if (existsSync(path)) return readFileSync(path, "utf8").trim();
  const value = create();
  // 0600: the pepper and keys are secrets; "wx" refuses to clobber a file another start just wrote.
  try {
    writeFileSync(path, value + "\n", { mode: 0o600, flag: "wx" });
    return value;
  } catch {
    return readFileSync(path, "utf8").trim();
  }
}

/**
 * Development defaults for the two secrets, generated once into the data folder and reused on
 * every later start. Never used with NODE_ENV=production (resolveConfig refuses).
 */
export async function developmentSecrets(
  dataDir: string,
): Promise<{ pepper: () => string; signingKeys: () => PrivateJwks }> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const keysPath = join(dataDir, "signing-keys.json");
  const pendingKey = existsSync(keysPath) ? undefined : await generateSigningJwk();
  return {
    pepper: () => readOrCreate(join(dataDir, "pepper"), () => randomBytes(32).toString("base64url")),
    signingKeys: () =>
      parsePrivateJwks(JSON.parse(readOrCreate(keysPath, () => JSON.stringify({ keys: [pendingKey] })))),
  };
}
