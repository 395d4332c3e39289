import { and, eq, gt, inArray, isNotNull, sql } from "drizzle-orm";
import { clients } from "../db/control-schema.js";
import { type Database, lookupMany, MAX_BOUND_PARAMETERS, preparedOnce } from "../db/database.js";
import { bindings, carrierEvents, numbers } from "../db/shard-schema.js";
import type { ShardOrm } from "../db/shard-store.js";

// Shard reads: the number's own records.

/** When the number last changed hands, from carrier reports; null when never reported. */
export function lastReassignedAt(orm: ShardOrm, phoneHash: string): number | null {
  const statement = preparedOnce(orm, "last-reassigned-at", (orm) =>
    orm
      .select({ lastReassignedAt: numbers.lastReassignedAt })
      .from(numbers)
      .where(eq(numbers.phoneHash, sql.placeholder("phoneHash")))
      .prepare(),
  );
  return (statement.get({ phoneHash }) as { lastReassignedAt: number | null } | undefined)?.lastReassignedAt ?? null;
}

/** SQLite binds at most so many parameters per statement in a Durable Object as in D1. */
const KEYS_PER_LOOKUP = MAX_BOUND_PARAMETERS - 2;

function inChunks<T>(keys: readonly string[], run: (part: string[]) => T[]): T[] {
  const rows: T[] = [];
  for (let start = 0; start < keys.length; start += KEYS_PER_LOOKUP)
    rows.push(...run(keys.slice(start, start + KEYS_PER_LOOKUP)));
  return rows;
}

/** Numbers ported to a carrier: that carrier answers for them whatever the prefixes say. */
export function portedCarriers(orm: ShardOrm, phoneHashes: readonly string[]): [string, string][] {
  return inChunks(phoneHashes, (part) =>
    orm
      .select({ phoneHash: numbers.phoneHash, carrierId: numbers.carrierId })
      .from(numbers)
      .where(and(inArray(numbers.phoneHash, part), isNotNull(numbers.carrierId)))
      .all(),
  ).map((row) => [row.phoneHash, row.carrierId!]);
}

export interface ActiveBindingRow {
  id: string;
  phoneHash: string;
  appId: string;
  boundAt: number;
  verifiedAt: number;
  lastSeenAt: number;
}

/** Active bindings of the numbers; account references are never read. */
export function activeBindingsOf(orm: ShardOrm, phoneHashes: readonly string[], cutoff: number): ActiveBindingRow[] {
  return inChunks(phoneHashes, (part) =>
    orm
      .select({
        id: bindings.id,
        phoneHash: bindings.phoneHash,
        appId: bindings.appId,
        boundAt: bindings.boundAt,
        verifiedAt: bindings.verifiedAt,
        lastSeenAt: bindings.lastSeenAt,
      })
      .from(bindings)
      .where(and(inArray(bindings.phoneHash, part), eq(bindings.status, "active"), gt(bindings.lastSeenAt, cutoff)))
      .orderBy(bindings.id)
      .all(),
  );
}

/** Of these carrier event ids, the ones this carrier sent before. */
export function recordedEventIds(orm: ShardOrm, carrierId: string, eventIds: readonly string[]): string[] {
  return inChunks(eventIds, (part) =>
    orm
      .select({ eventId: carrierEvents.eventId })
      .from(carrierEvents)
      .where(and(eq(carrierEvents.carrierId, carrierId), inArray(carrierEvents.eventId, part)))
      .all(),
  ).map((row) => row.eventId);
}

// Control-plane reads: who the carriers are.

export interface CarrierRange {
  id: string;
  numberPrefixes: string[];
  /** Since when its reports are complete; a carrier without a stated start reports from joining. */
  reportingSince: number;
}

/** Every enabled carrier, its prefixes and reporting start: read on each carrier request, so prepared once. */
export async function enabledCarriers(db: Database): Promise<CarrierRange[]> {
  const statement = preparedOnce(db, "enabled-carriers", (db) =>
    db.orm
      .select({
        id: clients.id,
        numberPrefixes: clients.numberPrefixes,
        reportingSince: sql<number>`coalesce(${clients.reportingSince}, ${clients.createdAt})`,
      })
      .from(clients)
      .where(and(eq(clients.kind, "carrier"), eq(clients.disabled, false)))
      .prepare(),
  );
  return (await statement.all()) as CarrierRange[];
}

/** Of these client ids, the ones that are carriers. */
export async function existingCarriers(db: Database, ids: readonly string[]): Promise<Set<string>> {
  const rows = await lookupMany<{ id: string }>(
    db,
    "existing-carriers",
    MAX_BOUND_PARAMETERS,
    (db, keys) =>
      db.orm
        .select({ id: clients.id })
        .from(clients)
        .where(and(inArray(clients.id, keys), eq(clients.kind, "carrier")))
        .prepare(),
    ids,
  );
  return new Set(rows.map((row) => row.id));
}

/** The names of these clients, for answers that show which apps hold a number. */
export async function clientNames(db: Database, ids: readonly string[]): Promise<Map<string, string>> {
  const rows = await lookupMany<{ id: string; name: string }>(
    db,
    "client-names",
    MAX_BOUND_PARAMETERS,
    (db, keys) =>
      db.orm.select({ id: clients.id, name: clients.name }).from(clients).where(inArray(clients.id, keys)).prepare(),
    [...new Set(ids)],
  );
  return new Map(rows.map((row) => [row.id, row.name]));
}
