import { ClientName, ReportingSince } from "../admin/schemas.js";
import { privateKeyMistake } from "../config/key-mistakes.js";
import { CLIENT_KINDS } from "../db/enums.js";
import { CliError, parseCommand, required, UsageError } from "./args.js";
import {
  type ClientRegistry,
  type CreateBody,
  inOptionTerms,
  openClientRegistry,
  REMOTE_OPTIONS,
  REMOTE_USAGE,
  type UpdateBody,
} from "./client-registry.js";
import { readJsonFile } from "./files.js";

const SETTINGS_USAGE = `  --person-sign-in-url URL       carriers: where the people page sends a person to sign in (none: clear)
  --reporting-since DATE         carriers: since when their events are complete (2026-01-01 or RFC 3339)
  --rate-limit BUDGET            a request budget: 200/s, 3000/min, 100/h, off (default: the kind's)`;

export const CLIENTS_USAGE = `numbind clients add|list|update|disable   manage the clients of a registry

  clients add --kind app|carrier|admin --name NAME --jwks FILE [--prefix +86139]... [settings]
  clients list
  clients update ID [--name NAME] [--jwks FILE] [--prefix +86139]... [--enable|--disable] [settings]
  clients disable ID

  --jwks FILE                    the client's public JWKS, as \`numbind keygen\` printed it
  --prefix +86139                carriers: an E.164 prefix they are responsible for; repeat for more
                                 (update: the new list replaces the old one)
${SETTINGS_USAGE}

Without --url these work on the local SQLite file (NUMBIND_DB_PATH) and are written to its audit log.
${REMOTE_USAGE}`;

const OPTIONS = {
  kind: { type: "string" },
  name: { type: "string" },
  jwks: { type: "string" },
  prefix: { type: "string", multiple: true },
  "person-sign-in-url": { type: "string" },
  "reporting-since": { type: "string" },
  "rate-limit": { type: "string" },
  enable: { type: "boolean" },
  disable: { type: "boolean" },
  ...REMOTE_OPTIONS,
} as const;

type Values = ReturnType<typeof parseCommand<typeof OPTIONS>>["values"];

/** The public JWKS in a file, refusing the private key `keygen` wrote beside it. */
function publicJwksFile(path: string): unknown {
  const jwks = readJsonFile(path, "--jwks");
  const mistake = privateKeyMistake(jwks);
  if (mistake) throw new CliError(`--jwks ${path}: ${mistake}`);
  return jwks;
}

function reportingSince(text: string): string {
  const value = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text;
  if (!ReportingSince.safeParse(value).success || Number.isNaN(Date.parse(value))) {
    throw new CliError(
      `--reporting-since ${text}: give a date (2026-01-01) or an RFC 3339 time (2026-01-01T00:00:00Z)`,
    );
  }
  return value;
}

function name(text: string): string {
  const parsed = ClientName.safeParse(text);
  if (!parsed.success) throw new CliError("--name: a name is 1 to 200 characters");
  return parsed.data;
}

/** The members both bodies share, from the options given. */
function settings(values: Values): UpdateBody {
  const body: UpdateBody = {};
  if (values.name !== undefined) body.name = name(values.name);
  if (values.jwks !== undefined) body.jwks = publicJwksFile(values.jwks);
  if (values.prefix !== undefined) body.number_prefixes = values.prefix;
  const signIn = values["person-sign-in-url"];
  if (signIn !== undefined) body.person_sign_in_url = signIn === "none" ? null : signIn;
  if (values["reporting-since"] !== undefined) body.reporting_since = reportingSince(values["reporting-since"]);
  const rateLimit = values["rate-limit"];
  if (rateLimit !== undefined) body.rate_limit = rateLimit === "default" ? null : rateLimit;
  return body;
}

function createBody(values: Values): CreateBody {
  const kind = required(values.kind, "--kind", CLIENTS_USAGE);
  if (!(CLIENT_KINDS as readonly string[]).includes(kind)) {
    throw new CliError(`--kind ${kind}: the kinds are ${CLIENT_KINDS.join(", ")}`);
  }
  required(values.name, "--name", CLIENTS_USAGE);
  required(values.jwks, "--jwks FILE", CLIENTS_USAGE);
  if (values.enable || values.disable)
    throw new UsageError("a new client is enabled; --disable it afterwards", CLIENTS_USAGE);
  const { name, jwks, ...rest } = settings(values);
  return { kind: kind as CreateBody["kind"], name: name!, jwks, ...rest };
}

function updateBody(values: Values): UpdateBody {
  if (values.kind !== undefined) throw new CliError("--kind: a client's kind cannot change; add a new client instead");
  if (values.enable && values.disable) throw new UsageError("--enable or --disable, not both", CLIENTS_USAGE);
  const body = settings(values);
  if (values.enable || values.disable) body.disabled = Boolean(values.disable);
  if (Object.keys(body).length === 0)
    throw new UsageError("nothing to change: give at least one option", CLIENTS_USAGE);
  return body;
}

function wrongAction(action: string | undefined, id: string | undefined): string {
  if (action === undefined) return "name an action: add, list, update or disable";
  if (!["add", "list", "update", "disable"].includes(action)) return `unknown action ${action}`;
  if (action === "update" || action === "disable") return `clients ${action} needs a client ID`;
  return `unexpected argument ${id}`;
}

export async function clientsCommand(args: string[], print: (value: unknown) => void): Promise<void> {
  const { values, positionals } = parseCommand(args, CLIENTS_USAGE, OPTIONS, 2);
  const [action, id] = positionals;
  let run: (registry: ClientRegistry) => Promise<unknown>;
  let sent: Record<string, unknown> = {};
  if (action === "add" && id === undefined) {
    const body = createBody(values);
    sent = { ...body };
    run = (registry) => registry.create(body);
  } else if (action === "list" && id === undefined) {
    run = (registry) => registry.list();
  } else if (action === "update" && id) {
    const body = updateBody(values);
    sent = body;
    run = (registry) => registry.update(id, body);
  } else if (action === "disable" && id) {
    run = (registry) => registry.update(id, { disabled: true });
  } else {
    throw new UsageError(wrongAction(action, id), CLIENTS_USAGE);
  }
  const registry = await openClientRegistry(values, CLIENTS_USAGE);
  try {
    print(await run(registry));
  } catch (error) {
    throw inOptionTerms(error, sent);
  } finally {
    registry.close();
  }
}
