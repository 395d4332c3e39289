import { signClientAssertion } from "../client/assertion.js";
import { normalizePhone } from "../phone.js";
import { CliError, parseCommand, required } from "./args.js";
import { readPrivateJwk } from "./files.js";
import { accessTokenFrom, DEFAULT_URL, RemoteRegistry } from "./remote.js";

const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

export const PERSON_TOKEN_USAGE = `numbind person-token --carrier ID --key FILE --number +86… [--url URL] [--holder-since DATE] [--assertion-only]

  --carrier ID        the carrier client that attests the number (it must be responsible for it)
  --key FILE          the carrier's private JWK
  --number N          the person's number, E.164 (+8613912345678) or national in NUMBIND_DEFAULT_REGION (CN)
  --url URL           the running registry (default ${DEFAULT_URL})
  --holder-since D    the day this subscriber began holding the number (YYYY-MM-DD), as the page reads it
  --assertion-only    print the signed assertion instead of trading it for a token

Signs what a carrier signs when it vouches for a person (RFC 7523 jwt-bearer: iss = the carrier,
sub = tel:+E164, aud = the registry's issuer, 2 minutes, a fresh jti) and trades it at /oauth/token
for a 10-minute token with the me scope, for GET /v1/me/bindings and DELETE /v1/me/bindings/{id}.`;

/** A person's access token (or only the carrier's assertion) for scripts and carriers' integration tests. */
export async function personTokenCommand(args: string[], print: (value: unknown) => void): Promise<void> {
  const { values } = parseCommand(args, PERSON_TOKEN_USAGE, {
    carrier: { type: "string" },
    key: { type: "string" },
    number: { type: "string" },
    url: { type: "string" },
    "holder-since": { type: "string" },
    "assertion-only": { type: "boolean" },
  });
  const carrierId = required(values.carrier, "--carrier ID", PERSON_TOKEN_USAGE);
  const key = readPrivateJwk(required(values.key, "--key FILE", PERSON_TOKEN_USAGE), "--key");
  const typed = required(values.number, "--number N", PERSON_TOKEN_USAGE);
  const e164 = normalizePhone(typed, process.env.NUMBIND_DEFAULT_REGION ?? "CN");
  if (!e164) throw new CliError(`--number ${typed} is not a valid phone number`);
  const holderSince = values["holder-since"];
  if (holderSince !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(holderSince)) {
    throw new CliError(`--holder-since ${holderSince} is not a date like 2026-03-01`);
  }

  const registry = new RemoteRegistry(values.url ?? DEFAULT_URL);
  const { issuer } = await registry.metadata();
  const assertion = await signClientAssertion({
    clientId: carrierId,
    privateJwk: key,
    audience: issuer,
    subject: `tel:${e164}`,
    lifetimeSeconds: 120,
    claims: holderSince ? { holder_since: holderSince } : {},
  });
  if (values["assertion-only"]) {
    print(assertion);
    return;
  }
  let response: Response;
  try {
    response = await fetch(`${registry.base}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch {
    throw new CliError(`could not reach ${registry.base}; is \`npm start\` running there?`);
  }
  print(await accessTokenFrom(response, `${registry.base} refused a person token for ${e164}`));
}
