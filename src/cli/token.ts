import { parseCommand, required } from "./args.js";
import { readPrivateJwk } from "./files.js";
import { DEFAULT_URL, RemoteRegistry } from "./remote.js";

export const TOKEN_USAGE = `numbind token --client ID --key FILE [--url URL] [--scope S]   print an access token

  --client ID      the client's id (clients add printed it)
  --key FILE       its private JWK (keygen's --out file)
  --url URL        the running registry (default ${DEFAULT_URL})
  --scope S        fewer scopes than the client's kind allows, space-separated

Signs an RFC 7523 client assertion addressed to the registry's issuer and trades it at
/oauth/token for a 10-minute access token.`;

/** RFC 7523 client authentication against a running server, configured from its RFC 8414 metadata. */
export async function tokenCommand(args: string[], print: (value: unknown) => void): Promise<void> {
  const { values } = parseCommand(args, TOKEN_USAGE, {
    client: { type: "string" },
    key: { type: "string" },
    url: { type: "string" },
    scope: { type: "string" },
  });
  const clientId = required(values.client, "--client ID", TOKEN_USAGE);
  const key = readPrivateJwk(required(values.key, "--key FILE", TOKEN_USAGE), "--key");
  print(await new RemoteRegistry(values.url ?? DEFAULT_URL).token(clientId, key, values.scope));
}
