import { rmSync, writeFileSync } from "node:fs";
import type { JWK } from "jose";
import { generateSigningJwk, publicJwk } from "../auth/keys.js";
import { CliError, parseCommand, required, UsageError } from "./args.js";
import { inOptionTerms, openClientRegistry, REMOTE_OPTIONS, REMOTE_USAGE } from "./client-registry.js";

export const KEYGEN_USAGE = `numbind keygen --out FILE   a new Ed25519 key pair

Writes the private JWK to FILE (mode 0600; an existing file is never overwritten) and prints the
public JWKS, which is what a client registers (\`numbind clients add --jwks\`). The private JWK
signs the client's assertions (\`numbind token --key FILE\`); as NUMBIND_SIGNING_KEYS=@FILE it is
the registry's own signing key.`;

export const KEYS_USAGE = `numbind keys rotate --client ID (--out FILE | --retire KID)...   rotate a client's keys without downtime

  --client ID                    the client whose keys change
  --out FILE                     make a new key pair: the private JWK goes to FILE (0600, never
                                 overwritten), its public key is registered beside the client's keys
  --retire KID                   remove a registered key, once the client signs with the new one;
                                 repeat for more

A rotation in two steps: \`keys rotate --client ID --out new-key.json\`, switch the client to
new-key.json, then \`keys rotate --client ID --retire OLD_KID\`.

Without --url this works on the local SQLite file (NUMBIND_DB_PATH) and is written to its audit log.
${REMOTE_USAGE}`;

/** The most keys a client may register (src/auth/keys.ts). */
const MAX_KEYS = 10;

/** Writes a private JWK only where no file is: a key is never silently replaced. */
function writePrivateJwk(path: string, jwk: JWK, option: string): void {
  try {
    writeFileSync(path, JSON.stringify(jwk, null, 2) + "\n", { mode: 0o600, flag: "wx" });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST")
      throw new CliError(`${option} ${path} exists; choose another file (a key is never overwritten)`);
    throw new CliError(`${option} ${path}: ${(error as Error).message}`);
  }
}

export async function keygenCommand(args: string[], print: (value: unknown) => void): Promise<void> {
  const { values } = parseCommand(args, KEYGEN_USAGE, { out: { type: "string" } });
  const out = required(values.out, "--out FILE", KEYGEN_USAGE);
  const jwk = await generateSigningJwk();
  writePrivateJwk(out, jwk, "--out");
  print({ keys: [publicJwk(jwk)] });
}

export async function keysCommand(args: string[], print: (value: unknown) => void): Promise<void> {
  const { values, positionals } = parseCommand(
    args,
    KEYS_USAGE,
    {
      client: { type: "string" },
      out: { type: "string" },
      retire: { type: "string", multiple: true },
      ...REMOTE_OPTIONS,
    },
    1,
  );
  if (positionals[0] !== "rotate") {
    throw new UsageError(positionals[0] ? `unknown action ${positionals[0]}` : "name an action: rotate", KEYS_USAGE);
  }
  const clientId = required(values.client, "--client ID", KEYS_USAGE);
  const retire = values.retire ?? [];
  if (!values.out && retire.length === 0)
    throw new UsageError("give --out FILE for a new key, or --retire KID", KEYS_USAGE);

  const registry = await openClientRegistry(values, KEYS_USAGE);
  let written: string | undefined;
  try {
    const current = (await registry.keys(clientId)).keys;
    const unknown = retire.filter((kid) => !current.some((key) => key.kid === kid));
    if (unknown.length > 0) {
      throw new CliError(
        `client ${clientId} has no key ${unknown.join(", ")}; its keys are ${current.map((key) => key.kid).join(", ")}`,
      );
    }
    const kept = current.filter((key) => !retire.includes(key.kid!));
    if (values.out && kept.length >= MAX_KEYS) {
      throw new CliError(`client ${clientId} holds ${kept.length} keys, the most it may; --retire one as well`);
    }
    let added: JWK | undefined;
    if (values.out) {
      const jwk = await generateSigningJwk();
      writePrivateJwk(values.out, jwk, "--out");
      written = values.out;
      added = publicJwk(jwk);
    }
    const keys = added ? [...kept, added] : kept;
    if (keys.length === 0) throw new CliError(`retiring ${retire.join(", ")} would leave client ${clientId} no key`);
    const client = await registry.update(clientId, { jwks: { keys } });
    print({
      client: client.id,
      ...(added ? { added: added.kid, private_key_file: written } : {}),
      ...(retire.length > 0 ? { retired: retire } : {}),
      keys: keys.map((key) => key.kid),
    });
    written = undefined;
  } catch (error) {
    // A key the registry did not take is no use to anyone: remove it, so the same --out can be retried.
    if (written) rmSync(written, { force: true });
    throw inOptionTerms(error);
  } finally {
    registry.close();
  }
}
