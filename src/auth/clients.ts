import { eq } from "drizzle-orm";
import type { Clock } from "../clock.js";
import type { Database } from "../db/database.js";
import { clients } from "../db/schema.js";
import type { PublicJwks } from "./keys.js";
import type { ClientKind } from "./scopes.js";

export interface Client {
  id: string;
  kind: ClientKind;
  name: string;
  jwks: PublicJwks;
  numberPrefixes: string[];
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export async function findClient(db: Database, id: string): Promise<Client | undefined> {
  return (await db.orm.select().from(clients).where(eq(clients.id, id)).get()) as Client | undefined;
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
