import { and, eq, inArray, isNotNull } from "drizzle-orm";
import type { Client } from "../auth/clients.js";
import { lookupMany, MAX_BOUND_PARAMETERS, preparedOnce, type Database } from "../db/database.js";
import { clients, numbers } from "../db/schema.js";
import type { PhoneNumber } from "../phone.js";

/** Every enabled carrier and its prefixes: read on each carrier request, so prepared once. */
function enabledCarriers(db: Database) {
  return preparedOnce(db, "enabled-carriers", (db) =>
    db.orm
      .select({ id: clients.id, numberPrefixes: clients.numberPrefixes })
      .from(clients)
      .where(and(eq(clients.kind, "carrier"), eq(clients.disabled, false)))
      .prepare(),
  );
}

/**
 * Which carrier answers for each number: the one it was ported to, else the enabled carrier
 * whose prefix is the longest match (a sub-allocated block beats the block around it).
 */
export async function responsibleCarriers(db: Database, phones: readonly PhoneNumber[]): Promise<(string | undefined)[]> {
  const carriers = (await enabledCarriers(db).all()) as { id: string; numberPrefixes: string[] }[];
  const hashes = [...new Set(phones.map((phone) => phone.hash))];
  const ported = await lookupMany<{ phoneHash: string; carrierId: string }>(
    db,
    "ported-numbers",
    MAX_BOUND_PARAMETERS,
    (db, keys) =>
      db.orm
        .select({ phoneHash: numbers.phoneHash, carrierId: numbers.carrierId })
        .from(numbers)
        .where(and(inArray(numbers.phoneHash, keys), isNotNull(numbers.carrierId)))
        .prepare(),
    hashes,
  );
  const portedTo = new Map(ported.map((row) => [row.phoneHash, row.carrierId]));
  return phones.map((phone) => {
    const ported = portedTo.get(phone.hash);
    if (ported !== undefined) return ported;
    let best: { id: string; length: number } | undefined;
    for (const carrier of carriers) {
      for (const prefix of carrier.numberPrefixes) {
        if (phone.e164.startsWith(prefix) && prefix.length > (best?.length ?? 0)) best = { id: carrier.id, length: prefix.length };
      }
    }
    return best?.id;
  });
}

/** The one answer to "may this carrier act on these numbers": the indexes it may not. */
export async function numbersOutsideResponsibility(
  db: Database,
  carrier: Pick<Client, "id">,
  phones: readonly PhoneNumber[],
): Promise<number[]> {
  const responsible = await responsibleCarriers(db, phones);
  return responsible.flatMap((carrierId, index) => (carrierId === carrier.id ? [] : [index]));
}
