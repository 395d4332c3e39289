import { and, asc, eq, gt, lte, or, type SQL, sql } from "drizzle-orm";
import { events } from "../db/control-schema.js";
import { type Database, preparedOnce } from "../db/database.js";
import { bindings, numbers } from "../db/shard-schema.js";
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
    touch: db.orm
      .update(bindings)
      .set({ lastSeenAt: sql`${sql.placeholder("now")}`, verifiedAt: sql`${sql.placeholder("verifiedAt")}` })
      .where(eq(bindings.id, sql.placeholder("id")))
      .prepare(),
  };
}

function statements(db: Database) {
  return preparedOnce(db, "login", prepare);
}

export async function findForLogin(db: Database, appId: string, phoneHash: string, accountRef: string) {
  return (await statements(db).bindingWithNumber.get({ appId, phoneHash, accountRef })) as
    | { binding: BindingRow; lastReassignedAt: number | null }
    | undefined;
}

export async function touch(db: Database, id: string, now: number, verifiedAt: number): Promise<void> {
  await statements(db).touch.run({ id, now, verifiedAt });
}

export async function findOwned(db: Database, appId: string, id: string): Promise<BindingRow | undefined> {
  return db.orm
    .select()
    .from(bindings)
    .where(and(eq(bindings.id, id), eq(bindings.appId, appId)))
    .get();
}

/** The app's bindings in id order, after the cursor's id, with the list route's filters. */
export async function listOwned(
  db: Database,
  appId: string,
  query: {
    accountRef?: string;
    status?: BindingStatus;
    after?: string;
    limit: number;
    now: number;
    inactivityMs: number;
  },
): Promise<BindingRow[]> {
  return db.orm
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
    .limit(query.limit);
}

/** Ends one binding if it is active now (a second end changes nothing), with its event. */
export function endBinding(db: Database, id: string, reason: EndReason, now: number, inactivityMs: number) {
  return endActiveStatements(db, eq(bindings.id, id), reason, now, inactivityMs);
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
 * INSERT … SELECT of one app event per binding matching `where`; `data` carries the binding id,
 * account_ref and hint (never a number), plus the end reason when there is one.
 */
export function bindingEventsInsert(
  db: Database,
  type: string,
  occurredAt: SQL | number,
  where: SQL,
  reason?: SQL | string,
) {
  const reasonMember = reason === undefined ? sql`` : sql`, 'reason', ${reason}`;
  return db.orm.insert(events).select(
    db.orm
      .select({
        // insert-select takes every column in table order; null lets SQLite assign the id.
        id: sql<number>`null`.as("id"),
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
