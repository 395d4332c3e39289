import { readFileSync } from "node:fs";
import type { JWK } from "jose";
import { CliError } from "./args.js";

/** A JSON file named by an option, or a CliError saying what is wrong with it. */
export function readJsonFile(path: string, option: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`${option} ${path}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(`${option} ${path} is not JSON`);
  }
}

/** The private JWK a client signs with: the file `numbind keygen --out` wrote. */
export function readPrivateJwk(path: string, option: string): JWK {
  const jwk = readJsonFile(path, option);
  if (typeof jwk !== "object" || jwk === null || typeof (jwk as JWK).d !== "string") {
    throw new CliError(`${option} ${path} is not a private JWK; give the file \`numbind keygen --out\` wrote`);
  }
  return jwk as JWK;
}
