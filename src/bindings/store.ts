import { and, eq, gt, lte, or, sql, type SQL } from "drizzle-orm";
import { preparedOnce, type Database } from "../db/database.js";
import { bindings, events, numbers } from "../db/schema.js";
import type { BindingRow, BindingStatus, EndReason } from "./view.js";

/** The login path's statements, prepared once per database: it runs on every app login. */
function prepare(db: Database) {
  return {
    bindingWithNumber: db.orm
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
    lastReassignedAt: db.orm
      .select({ lastReassignedAt: numbers.lastReassignedAt })
      .from(numbers)
      .where(eq(numbers.phoneHash, sql.placeholder("phoneHash")))
      .prepare(),
    touch: db.orm
      .update(bindings)
      .set({ lastSeenAt: sql`${sql.placeholder("now")}`, verifiedAt: sql`${sql.placeholder("verifiedAt")}` })
      .where(eq(bindings.id, sql.placeholder("id")))
      .prepare(),
  };
}

export function statements(db: Database) {
  return preparedOnce(db, "login", prepare);
}

export async function findForLogin(db: Database, appId: string, phoneHash: string, accountRef: string) {
  return (await statements(db).bindingWithNumber.get({ appId, phoneHash, accountRef })) as
    | { binding: BindingRow; lastReassignedAt: number | null }
    | undefined;
}

export async function lastReassignedAt(db: Database, phoneHash: string): Promise<number | null> {
  const row = (await statements(db).lastReassignedAt.get({ phoneHash })) as { lastReassignedAt: number | null } | undefined;
  return row?.lastReassignedAt ?? null;
}

export async function touch(db: Database, id: string, now: number, verifiedAt: number): Promise<void> {
  await statements(db).touch.run({ id, now, verifiedAt });
}

export async function findOwned(db: Database, appId: string, id: string): Promise<BindingRow | undefined> {
  return db.orm.select().from(bindings).where(and(eq(bindings.id, id), eq(bindings.appId, appId))).get();
}

/** Stored-active and inside the window at `now`: the SQL twin of effectiveState(...).status === "active". */
export function activeAt(now: number, inactivityMs: number): SQL {
  return and(eq(bindings.status, "active"), gt(bindings.lastSeenAt, now - inactivityMs))!;
}

export function statusFilter(status: BindingStatus, now: number, inactivityMs: number): SQL {
  if (status === "active") return activeAt(now, inactivityMs);
  if (status === "expired") {
    return or(eq(bindings.status, "expired"), and(eq(bindings.status, "active"), lte(bindings.lastSeenAt, now - inactivityMs)))!;
  }
  return eq(bindings.status, "unbound");
}

/**
 * Ends bindings that are active at `now` and match `where`, writing one `binding.unbound` event
 * for each. The event insert runs first and the update second, inside one atomic unit, with the
 * same condition: whoever ends a binding first writes its event, nobody writes it twice.
 */
/**
 * INSERT … SELECT of one app event per binding matching `where`; `data` carries the binding id,
 * account_ref and hint (never a number), plus the end reason when there is one.
 */
export function bindingEventsInsert(db: Database, type: string, occurredAt: SQL | number, where: SQL, reason?: SQL | string) {
  const reasonMember = reason === undefined ? sql`` : sql`, 'reason', ${reason}`;
  return db.orm.insert(events).select(
    db.orm
      .select({
        // insert-select takes every column in table order; null lets SQLite assign the id.
        id: sql<number>`null`.as("id"),
        appId: bindings.appId,
        type: sql<string>`${type}`.as("type"),
        occurredAt: sql<number>`${occurredAt}`.as("occurred_at"),
        data: sql<string>`json_object('binding_id', ${bindings.id}, 'account_ref', ${bindings.accountRef}, 'phone_number_hint', ${bindings.phoneHint}${reasonMember})`.as("data"),
      })
      .from(bindings)
      .where(where),
  );
}

/**
 * Ends bindings that are active at `now` and match `where`, writing one `binding.unbound` event
 * for each. The event insert runs first and the update second, inside one atomic unit, with the
 * same condition: whoever ends a binding first writes its event, nobody writes it twice.
 */
export function endActiveStatements(db: Database, where: SQL, reason: EndReason, now: number, inactivityMs: number) {
  const condition = and(where, activeAt(now, inactivityMs))!;
  return [
    bindingEventsInsert(db, "binding.unbound", now, condition, reason),
    db.orm.update(bindings).set({ status: "unbound", endedAt: now, endReason: reason }).where(condition),
  ] as const;
}
