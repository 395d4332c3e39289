import { userInfo } from "node:os";
import { audit } from "../admin/audit.js";
import { settingsFrom } from "../admin/schemas.js";
import { clientView, createClient, findClient, listClients, updateClient } from "../auth/clients.js";
import type { PublicJwks } from "../auth/keys.js";
import { systemClock } from "../clock.js";
import type { SqliteDatabase } from "../db/better-sqlite3.js";
import { Problem } from "../http/problems.js";
import { loadNodeConfig, openNodeDatabase } from "../runtime/node/setup.js";
import { CliError, required } from "./args.js";
import { readPrivateJwk } from "./files.js";
import { RegistryRefused, RemoteRegistry } from "./remote.js";

/** The bodies of POST and PATCH /v1/admin/clients, built by the CLI from its options. */
export interface CreateBody {
  kind: "app" | "carrier" | "admin";
  name: string;
  jwks: unknown;
  number_prefixes?: string[];
  person_sign_in_url?: string | null;
  reporting_since?: string | null;
  rate_limit?: string | null;
}
export type UpdateBody = Partial<Omit<CreateBody, "kind">> & { disabled?: boolean };
type ClientView = ReturnType<typeof clientView>;

/** The clients of a registry: the local SQLite file, or a running registry's admin API. */
export interface ClientRegistry {
  create(body: CreateBody): Promise<ClientView>;
  list(): Promise<ClientView[]>;
  update(id: string, body: UpdateBody): Promise<ClientView>;
  /** The client's registered public keys, for a rotation that keeps them. */
  keys(id: string): Promise<PublicJwks>;
  close(): void;
}

/** Who the audit log names for a change made at this machine's command line. */
function operator(): string {
  try {
    return userInfo().username || "cli";
  } catch {
    return "cli";
  }
}

/** The local file, changed through the same functions, and audited like, the admin API. */
class LocalRegistry implements ClientRegistry {
  readonly #actor = { kind: "cli" as const, clientId: operator() };
  constructor(readonly db: SqliteDatabase) {}

  async create(body: CreateBody): Promise<ClientView> {
    const client = await createClient(this.db, systemClock, {
      kind: body.kind,
      name: body.name,
      jwks: body.jwks,
      numberPrefixes: body.number_prefixes,
      ...settingsFrom(body),
    });
    await audit(this.db, {
      at: systemClock(),
      actor: this.#actor,
      action: "client.created",
      detail: { client_id: client.id, kind: client.kind },
    });
    return clientView(client);
  }

  async list(): Promise<ClientView[]> {
    const all: ClientView[] = [];
    for (let after: string | undefined; ; ) {
      const page = await listClients(this.db, after, 500);
      all.push(...page.map(clientView));
      if (page.length < 500) return all;
      after = page[page.length - 1]!.id;
    }
  }

  async #find(id: string) {
    const client = await findClient(this.db, id);
    if (!client) throw new CliError(`no client ${id} in this database; \`numbind clients list\` shows the ids`);
    return client;
  }

  async update(id: string, body: UpdateBody): Promise<ClientView> {
    const updated = await updateClient(this.db, systemClock, await this.#find(id), {
      name: body.name,
      jwks: body.jwks,
      numberPrefixes: body.number_prefixes,
      disabled: body.disabled,
      ...settingsFrom(body),
    });
    await audit(this.db, {
      at: systemClock(),
      actor: this.#actor,
      action: "client.updated",
      detail: { client_id: id, changed: Object.keys(body) },
    });
    return clientView(updated);
  }

  async keys(id: string): Promise<PublicJwks> {
    return (await this.#find(id)).jwks;
  }

  close(): void {
    this.db.close();
  }
}

/** A running registry, as its admin client. */
class RemoteClientRegistry implements ClientRegistry {
  constructor(
    readonly remote: RemoteRegistry,
    readonly token: string,
  ) {}

  create(body: CreateBody): Promise<ClientView> {
    return this.remote.call("POST", "/v1/admin/clients", this.token, body);
  }

  async #all(): Promise<(ClientView & { jwks?: PublicJwks })[]> {
    const all: (ClientView & { jwks?: PublicJwks })[] = [];
    for (let cursor: string | null = null; ; ) {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const page: { items: (ClientView & { jwks?: PublicJwks })[]; next_cursor: string | null } =
        await this.remote.call("GET", `/v1/admin/clients?limit=100${query}`, this.token);
      all.push(...page.items);
      cursor = page.next_cursor;
      if (!cursor) return all;
    }
  }

  list(): Promise<ClientView[]> {
    return this.#all();
  }

  async update(id: string, body: UpdateBody): Promise<ClientView> {
    try {
      return await this.remote.call("PATCH", `/v1/admin/clients/${encodeURIComponent(id)}`, this.token, body);
    } catch (error) {
      if (error instanceof RegistryRefused && error.status === 404) {
        throw new CliError(`no client ${id} at ${this.remote.base}; \`numbind clients list --url ...\` shows the ids`);
      }
      throw error;
    }
  }

  async keys(id: string): Promise<PublicJwks> {
    const client = (await this.#all()).find((candidate) => candidate.id === id);
    if (!client) throw new CliError(`no client ${id} at ${this.remote.base}`);
    if (!client.jwks) {
      throw new CliError(
        `${this.remote.base} does not show client keys in GET /v1/admin/clients; rotate on the server's own file, or upgrade it`,
      );
    }
    return client.jwks;
  }

  close(): void {}
}

/** The options every client-managing command takes to work on a running registry. */
export const REMOTE_OPTIONS = {
  url: { type: "string" },
  "admin-client": { type: "string" },
  "admin-key": { type: "string" },
} as const;

export const REMOTE_USAGE = `  --url URL                      work on the registry running at URL, not on the local file
  --admin-client ID              its admin client (default: admin, the bootstrap client)
  --admin-key FILE               that client's private JWK`;

/** The registry the options name: `--url` with an admin key, else the local file (NUMBIND_DB_PATH). */
export async function openClientRegistry(
  values: { url?: string; "admin-client"?: string; "admin-key"?: string },
  usage: string,
): Promise<ClientRegistry> {
  if (values.url === undefined) {
    if (values["admin-key"] || values["admin-client"])
      throw new CliError("--admin-client and --admin-key go with --url");
    const config = await loadNodeConfig();
    return new LocalRegistry(await openNodeDatabase(config));
  }
  const remote = new RemoteRegistry(values.url);
  const keyFile = required(values["admin-key"], "--admin-key FILE (the admin client's private JWK)", usage);
  const key = readPrivateJwk(keyFile, "--admin-key");
  return new RemoteClientRegistry(remote, await remote.token(values["admin-client"] ?? "admin", key, "admin"));
}

const OPTION_OF_MEMBER: Record<string, string> = {
  kind: "--kind",
  name: "--name",
  jwks: "--jwks",
  number_prefixes: "--prefix",
  person_sign_in_url: "--person-sign-in-url",
  reporting_since: "--reporting-since",
  rate_limit: "--rate-limit",
  disabled: "--disable",
};

/**
 * A refusal from either registry in the CLI's words: each field error named by its option (and, for
 * a repeated option, the value it is about), after the problem's detail when that says more.
 * Other errors pass through.
 */
export function inOptionTerms(error: unknown, body: Record<string, unknown> = {}): unknown {
  const problem =
    error instanceof Problem
      ? { detail: error.message, errors: error.errors }
      : error instanceof RegistryRefused
        ? { detail: error.message, errors: error.body?.errors }
        : undefined;
  if (!problem) return error;
  const fields = problem.errors ?? [];
  const lines = fields.map((field) => {
    const [, member = "", index] = field.pointer.split("/");
    const option = OPTION_OF_MEMBER[member] ?? field.pointer;
    const value = index === undefined ? undefined : (body[member] as unknown[] | undefined)?.[Number(index)];
    return `${typeof value === "string" ? `${option} ${value}` : option}: ${field.detail}`;
  });
  if (!fields.some((field) => field.detail === problem.detail)) lines.unshift(problem.detail);
  return new CliError(lines.join("\n  "));
}
