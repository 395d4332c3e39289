import { and, asc, eq, gt, inArray, lte, or, type SQL, sql } from "drizzle-orm";
import { preparedOnce } from "../db/database.js";
import type { APP_EVENT_TYPES } from "../db/enums.js";
import { bindings, numbers, outbox } from "../db/shard-schema.js";
import type { ShardOrm } from "../db/shard-store.js";
import type { BindingRow, BindingStatus, EndReason } from "./view.js";

/** The login path's statements, prepared once per shard: it runs on every app login. */
function prepare(orm: ShardOrm) {
  return {
    bindingWithNumber: orm
      .select({ binding: bindings, lastReassignedAt: numbers.lastReassignedAt })
      .from(bindings)
      .leftJoin(numbers, eq(numbers.phoneHash, bindings.phoneHash))
      .where(
        and(
          eq(bindings.appId, sql.placeholder("appId")),
          eq(bindings.phoneHash, sql.placeholder("phoneHash")),
          eq(bindings.accountRef, sql.placeholder("accountRef")),
        ),
      )
      .prepare(),
    touch: orm
      .update(bindings)
      .set({ lastSeenAt: sql`${sql.placeholder("now")}`, verifiedAt: sql`${sql.placeholder("verifiedAt")}` })
      .where(eq(bindings.id, sql.placeholder("id")))
      .prepare(),
  };
}

export function findForLogin(orm: ShardOrm, appId: string, phoneHash: string, accountRef: string) {
  return preparedOnce(orm, "login", prepare).bindingWithNumber.get({ appId, phoneHash, accountRef }) as
    | { binding: BindingRow; lastReassignedAt: number | null }
    | undefined;
}

export function touch(orm: ShardOrm, id: string, now: number, verifiedAt: number): void {
  preparedOnce(orm, "login", prepare).touch.run({ id, now, verifiedAt });
}

/** Inserts a new binding; false when one with the same identity already exists. */
export function insertBinding(orm: ShardOrm, row: BindingRow): boolean {
  return orm.insert(bindings).values(row).onConflictDoNothing().returning({ id: bindings.id }).all().length === 1;
}

/** Gives an ended binding a new life from `now`. */
export function revive(orm: ShardOrm, id: string, now: number, verifiedAt: number): void {
  orm
    .update(bindings)
    .set({ status: "active", boundAt: now, verifiedAt, lastSeenAt: now, endedAt: null, endReason: null })
    .where(eq(bindings.id, id))
    .run();
}

export function findOwned(orm: ShardOrm, appId: string, id: string): BindingRow | undefined {
  return orm
    .select()
    .from(bindings)
    .where(and(eq(bindings.id, id), eq(bindings.appId, appId)))
    .get();
}

export interface ListQuery {
  accountRef?: string;
  status?: BindingStatus;
  /** Only ids after this one (the cursor), or every id. */
  after?: string;
  limit: number;
  now: number;
  inactivityMs: number;
}

/** The app's bindings in id order, after the cursor's id, with the list route's filters. */
export function listOwned(orm: ShardOrm, appId: string, query: ListQuery): BindingRow[] {
  return orm
    .select()
    .from(bindings)
    .where(
      and(
        eq(bindings.appId, appId),
        query.accountRef === undefined ? undefined : eq(bindings.accountRef, query.accountRef),
        query.status === undefined ? undefined : statusFilter(query.status, query.now, query.inactivityMs),
        query.after === undefined ? undefined : gt(bindings.id, query.after),
      ),
    )
    .orderBy(asc(bindings.id))
    .limit(query.limit)
    .all();
}

/** Stored-active and inside the window at `now`: the SQL twin of effectiveState(...).status === "active". */
export function activeAt(now: number, inactivityMs: number): SQL {
  return and(eq(bindings.status, "active"), gt(bindings.lastSeenAt, now - inactivityMs))!;
}

function statusFilter(status: BindingStatus, now: number, inactivityMs: number): SQL {
  if (status === "active") return activeAt(now, inactivityMs);
  if (status === "expired") {
    return or(
      eq(bindings.status, "expired"),
      and(eq(bindings.status, "active"), lte(bindings.lastSeenAt, now - inactivityMs)),
    )!;
  }
  return eq(bindings.status, "unbound");
}

/**
 * Writes one app event per binding matching `where` into the shard's outbox (INSERT … SELECT);
 * `data` carries the binding id, account_ref and hint (never a number), and the end reason if any.
 */
export function writeBindingEvents(
  orm: ShardOrm,
  type: (typeof APP_EVENT_TYPES)[number],
  occurredAt: SQL | number,
  where: SQL,
  reason?: string,
): void {
  const reasonMember = reason === undefined ? sql`` : sql`, 'reason', ${reason}`;
  orm
    .insert(outbox)
    .select(
      orm
        .select({
          // insert-select takes every column in table order; null lets SQLite assign the sequence.
          seq: sql<number>`null`.as("seq"),
          eventKey: sql<string>`lower(hex(randomblob(16)))`.as("event_key"),
          appId: bindings.appId,
          type: sql<string>`${type}`.as("type"),
          occurredAt: sql<number>`${occurredAt}`.as("occurred_at"),
          data: sql<string>`json_object('binding_id', ${bindings.id}, 'account_ref', ${bindings.accountRef}, 'phone_number_hint', ${bindings.phoneHint}${reasonMember})`.as(
            "data",
          ),
        })
        .from(bindings)
        .where(where),
    )
    .run();
}

/**
 * Ends the bindings that are active at `now` and match `where`, with one `binding.unbound` event
 * each; returns how many ended. Runs inside the caller's transaction: the events and the ends
 * commit together, and a binding already ended is neither ended nor told again.
 */
export function endActive(orm: ShardOrm, where: SQL, reason: EndReason, now: number, inactivityMs: number): number {
  const condition = and(where, activeAt(now, inactivityMs))!;
  writeBindingEvents(orm, "binding.unbound", now, condition, reason);
  return orm
    .update(bindings)
    .set({ status: "unbound", endedAt: now, endReason: reason })
    .where(condition)
    .returning({ id: bindings.id })
    .all().length;
}

/** Records one batch of inactivity expiries (status, end, one `binding.expired` event each). */
export function expireBatch(orm: ShardOrm, now: number, inactivityMs: number, batchRows: number): number {
  // By rowid: the partial sweep index covers it, so choosing the batch reads no table rows.
  // The literal 'active' lets SQLite prove the partial index applies.
  const rowid = sql`${bindings}.rowid`;
  const due = orm
    .select({ rowid: sql<number>`${rowid}`.as("rowid") })
    .from(bindings)
    .where(and(sql`${bindings.status} = 'active'`, lte(bindings.lastSeenAt, now - inactivityMs)))
    .orderBy(asc(bindings.lastSeenAt))
    .limit(batchRows);
  const expiresAt = sql<number>`${bindings.lastSeenAt} + ${inactivityMs}`;
  writeBindingEvents(orm, "binding.expired", expiresAt, inArray(rowid, due), "INACTIVITY");
  return orm
    .update(bindings)
    .set({ status: "expired", endedAt: expiresAt, endReason: "INACTIVITY" })
    .where(inArray(rowid, due))
    .returning({ id: bindings.id })
    .all().length;
}
