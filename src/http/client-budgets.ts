import { eq } from "drizzle-orm";
import type { ClientKind } from "../auth/scopes.js";
import type { Clock } from "../clock.js";
import { clients } from "../db/control-schema.js";
import type { Database } from "../db/database.js";

/** What the limiter needs to know of a client: its kind and the operator's override, if any. */
export interface ClientBudgetRow {
  kind: ClientKind;
  /** `200/s`, `3000/min`, `off`, or null for the kind's default. */
  rateLimit: string | null;
}

/**
 * Each client's kind and `rate_limit`, remembered per process or isolate for at most `ttlMs`: an
 * operator's change takes effect within seconds without a database read per request. Unknown ids
 * are remembered too, so forged client ids at the token endpoint cost one read each per ttl.
 */
export class ClientBudgetCache {
  readonly #entries = new Map<string, { row: Promise<ClientBudgetRow | undefined>; readAt: number }>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly ttlMs = 5_000,
    private readonly maxEntries = 10_000,
  ) {}

  lookup(clientId: string): Promise<ClientBudgetRow | undefined> {
    const now = this.clock();
    const cached = this.#entries.get(clientId);
    if (cached && now - cached.readAt < this.ttlMs && now >= cached.readAt) return cached.row;
    const row = this.#read(clientId);
    if (this.#entries.size >= this.maxEntries) this.#entries.clear();
    this.#entries.set(clientId, { row, readAt: now });
    // A failed read is not remembered: the next request reads again.
    row.catch(() => this.#entries.delete(clientId));
    return row;
  }

  async #read(clientId: string): Promise<ClientBudgetRow | undefined> {
    const row = await this.db.orm
      .select({ kind: clients.kind, rateLimit: clients.rateLimit })
      .from(clients)
      .where(eq(clients.id, clientId))
      .get();
    return row ?? undefined;
  }
}
