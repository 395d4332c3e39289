import { and, eq, gt, inArray, isNotNull, sql } from "drizzle-orm";
import { clients } from "../db/control-schema.js";
import { type Database, lookupMany, MAX_BOUND_PARAMETERS, preparedOnce } from "../db/database.js";
import { bindings, carrierEvents, numbers } from "../db/shard-schema.js";

/** When the number last changed hands, from carrier reports; null when never reported. */
export async function lastReassignedAt(db: Database, phoneHash: string): Promise<number | null> {
  const statement = preparedOnce(db, "last-reassigned-at", (db) =>
    db.orm
      .select({ lastReassignedAt: numbers.lastReassignedAt })
      .from(numbers)
      .where(eq(numbers.phoneHash, sql.placeholder("phoneHash")))
      .prepare(),
  );
  const row = (await statement.get({ phoneHash })) as { lastReassignedAt: number | null } | undefined;
  return row?.lastReassignedAt ?? null;
}

/** Every enabled carrier and its prefixes: read on each carrier request, so prepared once. */
export async function enabledCarriers(db: Database): Promise<{ id: string; numberPrefixes: string[] }[]> {
  const statement = preparedOnce(db, "enabled-carriers", (db) =>
    db.orm
      .select({ id: clients.id, numberPrefixes: clients.numberPrefixes })
      .from(clients)
      .where(and(eq(clients.kind, "carrier"), eq(clients.disabled, false)))
      .prepare(),
  );
  return (await statement.all()) as { id: string; numberPrefixes: string[] }[];
}

/** Numbers ported to a carrier: that carrier answers for them whatever the prefixes say. */
export async function portedCarriers(db: Database, phoneHashes: readonly string[]): Promise<Map<string, string>> {
  const rows = await lookupMany<{ phoneHash: string; carrierId: string }>(
    db,
    "ported-numbers",
    MAX_BOUND_PARAMETERS,
    (db, keys) =>
      db.orm
        .select({ phoneHash: numbers.phoneHash, carrierId: numbers.carrierId })
        .from(numbers)
        .where(and(inArray(numbers.phoneHash, keys), isNotNull(numbers.carrierId)))
        .prepare(),
    phoneHashes,
  );
  return new Map(rows.map((row) => [row.phoneHash, row.carrierId]));
}

export interface ActiveBindingRow {
  phoneHash: string;
  appId: string;
  appName: string;
  boundAt: number;
  lastSeenAt: number;
}

/** Active bindings of the numbers, with their apps' names; account references are never read. */
export async function activeBindingsOf(
  db: Database,
  phoneHashes: readonly string[],
  cutoff: number,
): Promise<ActiveBindingRow[]> {
  return lookupMany<ActiveBindingRow>(
    db,
    "outstanding-bindings",
    // Two parameters of the statement's own: the status and the activity cutoff.
    MAX_BOUND_PARAMETERS - 2,
    (db, keys) =>
      db.orm
        .select({
          phoneHash: bindings.phoneHash,
          appId: bindings.appId,
          appName: clients.name,
          boundAt: bindings.boundAt,
          lastSeenAt: bindings.lastSeenAt,
        })
        .from(bindings)
        .innerJoin(clients, eq(clients.id, bindings.appId))
        .where(
          and(
            inArray(bindings.phoneHash, keys),
            eq(bindings.status, "active"),
            gt(bindings.lastSeenAt, sql.placeholder("cutoff")),
          ),
        )
        .prepare(),
    phoneHashes,
    { cutoff },
  );
}

/** Of these carrier event ids, the ones this carrier sent before. */
export async function recordedEventIds(
  db: Database,
  carrierId: string,
  eventIds: readonly string[],
): Promise<Set<string>> {
  const rows = await lookupMany<{ eventId: string }>(
    db,
    "recorded-carrier-events",
    MAX_BOUND_PARAMETERS - 1,
    (db, keys) =>
      db.orm
        .select({ eventId: carrierEvents.eventId })
        .from(carrierEvents)
        .where(and(eq(carrierEvents.carrierId, sql.placeholder("carrierId")), inArray(carrierEvents.eventId, keys)))
        .prepare(),
    eventIds,
    { carrierId },
  );
  return new Set(rows.map((row) => row.eventId));
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
