import { and, eq, gt, ne } from "drizzle-orm";
import { type Clock, rfc3339 } from "../clock.js";
import { clients } from "../db/control-schema.js";
import type { Database } from "../db/database.js";
import { invalidField, Problem } from "../http/problems.js";
import { newId } from "../ids.js";
import { E164_PREFIX } from "../phone.js";
import { assertImportable, KeyError, type PublicJwks, parseClientJwks } from "./keys.js";
import type { ClientKind } from "./scopes.js";

export interface Client {
  id: string;
  kind: ClientKind;
  name: string;
  jwks: PublicJwks;
  numberPrefixes: string[];
  disabled: boolean;
  personSignInUrl: string | null;
  reportingSince: number | null;
  rateLimit: string | null;
  createdAt: number;
  updatedAt: number;
}

/** Settings an operator may give a client beside its keys; null clears one. */
interface ClientSettings {
  /** Carriers only: where the people page sends a person to sign in. */
  personSignInUrl?: string | null;
  /** Carriers only: since when their reports are complete (defaults to creation). */
  reportingSince?: number | null;
  /** A request budget such as `200/s`, `3000/min` or `off`; null: the kind's default. */
  rateLimit?: string | null;
}

export interface ClientInput extends ClientSettings {
  kind: ClientKind;
  name: string;
  jwks: unknown;
  numberPrefixes?: string[];
}

export interface ClientChanges extends ClientSettings {
  name?: string;
  jwks?: unknown;
  numberPrefixes?: string[];
  disabled?: boolean;
}

/** A client's request budget: a count per second, minute or hour, or `off`. */
const RATE_LIMIT = /^(?:off|[1-9]\d{0,8}\/(?:s|min|h))$/;

export function clientView(client: Client) {
  return {
    id: client.id,
    kind: client.kind,
    name: client.name,
    number_prefixes: client.numberPrefixes,
    disabled: client.disabled,
    person_sign_in_url: client.personSignInUrl,
    reporting_since: rfc3339(client.reportingSince),
    rate_limit: client.rateLimit,
    // Public keys only: what a key rotation needs to keep the old key beside the new one.
    jwks: client.jwks,
    created_at: rfc3339(client.createdAt),
  };
}

/** The settings checked against the client's kind; undefined members are left as they are. */
function validSettings(kind: ClientKind, settings: ClientSettings): ClientSettings {
  if (settings.personSignInUrl != null) {
    if (kind !== "carrier") throw invalidField("/person_sign_in_url", "only carriers sign people in");
    let url: URL | undefined;
    try {
      url = new URL(settings.personSignInUrl);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.hash !== "") {
      throw invalidField("/person_sign_in_url", "must be an absolute http(s) URL without a fragment");
    }
  }
  if (settings.reportingSince != null && kind !== "carrier") {
    throw invalidField("/reporting_since", "only carriers report number events");
  }
  if (settings.rateLimit != null && !RATE_LIMIT.test(settings.rateLimit)) {
    throw invalidField("/rate_limit", "a budget is a count per s, min or h (`200/s`, `3000/min`) or `off`");
  }
  return settings;
}

export async function findClient(db: Database, id: string): Promise<Client | undefined> {
  return (await db.orm.select().from(clients).where(eq(clients.id, id)).get()) as Client | undefined;
}

async function validJwks(value: unknown) {
  try {
    const jwks = parseClientJwks(value);
    await assertImportable(jwks);
    return jwks;
  } catch (error) {
    if (error instanceof KeyError) throw invalidField("/jwks", error.message);
    throw error;
  }
}

/** Prefixes are a carrier's alone: no other carrier may hold the very same block. */
async function validPrefixes(db: Database, kind: ClientKind, prefixes: string[], clientId: string | undefined) {
  if (prefixes.length > 0 && kind !== "carrier")
    throw invalidField("/number_prefixes", "only carriers have number prefixes");
  for (const [index, prefix] of prefixes.entries()) {
    if (!E164_PREFIX.test(prefix))
      throw invalidField(`/number_prefixes/${index}`, "an E.164 prefix is + and 1 to 15 digits");
  }
  const unique = [...new Set(prefixes)];
  const others = await db.orm
    .select({ id: clients.id, numberPrefixes: clients.numberPrefixes })
    .from(clients)
    .where(clientId ? and(eq(clients.kind, "carrier"), ne(clients.id, clientId)) : eq(clients.kind, "carrier"));
  for (const other of others) {
    const taken = unique.find((prefix) => other.numberPrefixes.includes(prefix));
    if (taken) {
      throw new Problem("CONFLICT", "a prefix already belongs to another carrier; each block has one carrier", [
        { pointer: `/number_prefixes/${prefixes.indexOf(taken)}`, detail: "already another carrier's" },
      ]);
    }
  }
  return unique;
}

export async function createClient(db: Database, clock: Clock, input: ClientInput, id?: string): Promise<Client> {
  const jwks = await validJwks(input.jwks);
  const numberPrefixes = await validPrefixes(db, input.kind, input.numberPrefixes ?? [], undefined);
  const settings = validSettings(input.kind, input);
  const now = clock();
  const client: Client = {
    id: id ?? newId(input.kind),
    kind: input.kind,
    name: input.name,
    jwks,
    numberPrefixes,
    disabled: false,
    personSignInUrl: settings.personSignInUrl ?? null,
    // A carrier reports from the day it joins, unless the operator says it backfilled its history.
    reportingSince: settings.reportingSince ?? (input.kind === "carrier" ? now : null),
    rateLimit: settings.rateLimit ?? null,
    createdAt: now,
    updatedAt: now,
  };
  await db.orm.insert(clients).values(client);
  return client;
}

export async function updateClient(
  db: Database,
  clock: Clock,
  client: Client,
  changes: ClientChanges,
): Promise<Client> {
  const settings = validSettings(client.kind, changes);
  const updated: Client = {
    ...client,
    name: changes.name ?? client.name,
    jwks: changes.jwks === undefined ? client.jwks : await validJwks(changes.jwks),
    numberPrefixes:
      changes.numberPrefixes === undefined
        ? client.numberPrefixes
        : await validPrefixes(db, client.kind, changes.numberPrefixes, client.id),
    disabled: changes.disabled ?? client.disabled,
    personSignInUrl: settings.personSignInUrl === undefined ? client.personSignInUrl : settings.personSignInUrl,
    reportingSince: settings.reportingSince === undefined ? client.reportingSince : settings.reportingSince,
    rateLimit: settings.rateLimit === undefined ? client.rateLimit : settings.rateLimit,
    updatedAt: clock(),
  };
  await db.orm
    .update(clients)
    .set({
      name: updated.name,
      jwks: updated.jwks,
      numberPrefixes: updated.numberPrefixes,
      disabled: updated.disabled,
      personSignInUrl: updated.personSignInUrl,
      reportingSince: updated.reportingSince,
      rateLimit: updated.rateLimit,
      updatedAt: updated.updatedAt,
    })
    .where(eq(clients.id, client.id));
  return updated;
}

export async function listClients(db: Database, after: string | undefined, limit: number): Promise<Client[]> {
  return (await db.orm
    .select()
    .from(clients)
    .where(after === undefined ? undefined : gt(clients.id, after))
    .orderBy(clients.id)
    .limit(limit)) as Client[];
}

/** NUMBIND_BOOTSTRAP_ADMIN_JWKS: the `admin` client exists, enabled, with exactly these keys. */
export async function bootstrapAdmin(db: Database, clock: Clock, jwks: unknown): Promise<Client> {
  const existing = await findClient(db, "admin");
  if (existing) return updateClient(db, clock, existing, { jwks, disabled: false });
  return createClient(db, clock, { kind: "admin", name: "Bootstrap operator", jwks }, "admin");
}

/**
 * Whether a client may still act, cached per process or isolate for at most `ttlMs`, so that a
 * client disabled anywhere stops working within that time without a database read per request.
 * The database stays the source of truth; this is only a short memory of it.
 */
export class ClientStatusCache {
  readonly #entries = new Map<string, { enabled: boolean; checkedAt: number }>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly ttlMs = 2_000,
  ) {}

  async isEnabled(clientId: string): Promise<boolean> {
    const now = this.clock();
    const cached = this.#entries.get(clientId);
    if (cached && now - cached.checkedAt < this.ttlMs && now >= cached.checkedAt) return cached.enabled;
    const row = await this.db.orm
      .select({ disabled: clients.disabled })
      .from(clients)
      .where(eq(clients.id, clientId))
      .get();
    const enabled = row !== undefined && !row.disabled;
    if (this.#entries.size > 10_000) this.#entries.clear();
    this.#entries.set(clientId, { enabled, checkedAt: now });
    return enabled;
  }

  forget(clientId: string): void {
    this.#entries.delete(clientId);
  }
}
