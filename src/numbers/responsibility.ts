import type { Client } from "../auth/clients.js";
import type { Database } from "../db/database.js";
import { Problem } from "../http/problems.js";
import type { PhoneNumber } from "../phone.js";
import { enabledCarriers, portedCarriers } from "./store.js";

/**
 * Which carrier answers for each number: the one it was ported to, else the enabled carrier
 * whose prefix is the longest match (a sub-allocated block beats the block around it).
 */
async function responsibleCarriers(db: Database, phones: readonly PhoneNumber[]): Promise<(string | undefined)[]> {
  const carriers = await enabledCarriers(db);
  const portedTo = await portedCarriers(db, [...new Set(phones.map((phone) => phone.hash))]);
  return phones.map((phone) => {
    const ported = portedTo.get(phone.hash);
    if (ported !== undefined) return ported;
    let best: { id: string; length: number } | undefined;
    for (const carrier of carriers) {
      for (const prefix of carrier.numberPrefixes) {
        if (phone.e164.startsWith(prefix) && prefix.length > (best?.length ?? 0))
          best = { id: carrier.id, length: prefix.length };
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

/** 403 NUMBER_NOT_IN_RANGE naming every number the carrier may not act on; `exempt` ones are not checked. */
export async function assertResponsible(
  db: Database,
  carrierId: string,
  phones: readonly PhoneNumber[],
  pointer: (index: number) => string,
  exempt: (index: number) => boolean = () => false,
): Promise<void> {
  const checked = phones.flatMap((phone, index) => (exempt(index) ? [] : [{ phone, index }]));
  const outside = (
    await numbersOutsideResponsibility(
      db,
      { id: carrierId },
      checked.map((entry) => entry.phone),
    )
  ).map((position) => checked[position]!.index);
  if (outside.length > 0) {
    throw new Problem(
      "NUMBER_NOT_IN_RANGE",
      `${outside.length} number(s) are not this carrier's responsibility; nothing was done`,
      outside.map((index) => ({ pointer: pointer(index), detail: "not in this carrier's ranges, or ported away" })),
    );
  }
}
