import type { Runtime } from "../http/context.js";
import { Problem } from "../http/problems.js";
import type { PhoneNumber } from "../phone.js";
import { type CarrierRange, enabledCarriers } from "./store.js";

/** The enabled carrier whose prefix is the longest match (a sub-allocated block beats the block around it). */
function blockHolder(phone: PhoneNumber, carriers: readonly CarrierRange[]): CarrierRange | undefined {
  let best: { carrier: CarrierRange; length: number } | undefined;
  for (const carrier of carriers) {
    for (const prefix of carrier.numberPrefixes) {
      if (phone.e164.startsWith(prefix) && prefix.length > (best?.length ?? 0))
        best = { carrier, length: prefix.length };
    }
  }
  return best?.carrier;
}

/** Which carrier answers for a number: the one it was ported to, else the holder of its block. */
function responsibleCarrier(
  phone: PhoneNumber,
  carriers: readonly CarrierRange[],
  portedTo: ReadonlyMap<string, string>,
): string | undefined {
  return portedTo.get(phone.hash) ?? blockHolder(phone, carriers)?.id;
}

/** The positions of the numbers this carrier may not act on, given the ports its shards know of. */
export async function outsideResponsibility(
  runtime: Pick<Runtime, "db">,
  carrierId: string,
  phones: readonly PhoneNumber[],
  portedTo: ReadonlyMap<string, string>,
): Promise<number[]> {
  const carriers = await enabledCarriers(runtime.db);
  return phones.flatMap((phone, index) => (responsibleCarrier(phone, carriers, portedTo) === carrierId ? [] : [index]));
}

/** The ports the numbers' shards record: number hash → the carrier it was ported to. */
async function portsOf(runtime: Pick<Runtime, "shards">, phones: readonly PhoneNumber[]): Promise<Map<string, string>> {
  const { shards } = runtime;
  const groups = shards.group(phones, (phone) => phone.hash);
  const answers = await Promise.all(
    groups.map(([index, group]) =>
      shards.call(index, "portedCarriers", { phoneHashes: group.map((phone) => phone.hash) }),
    ),
  );
  return new Map(answers.flat());
}

/** The one answer to "may this carrier act on these numbers": the positions it may not. */
export async function numbersOutsideResponsibility(
  runtime: Pick<Runtime, "db" | "shards">,
  carrierId: string,
  phones: readonly PhoneNumber[],
): Promise<number[]> {
  return outsideResponsibility(runtime, carrierId, phones, await portsOf(runtime, phones));
}

/**
 * The enabled carrier that answers for a number now, and since when the number's reports are
 * complete. A number ported in was reported by the holder of its block until the port, whose date
 * is not known here, so both must have been reporting: the later start counts. (A carrier between
 * two ports is not known at all: only the last port is recorded.)
 */
export async function responsibleCarrierOf(
  runtime: Pick<Runtime, "db" | "shards">,
  phone: PhoneNumber,
): Promise<{ id: string; reportingSince: number } | undefined> {
  const [carriers, portedTo] = await Promise.all([enabledCarriers(runtime.db), portsOf(runtime, [phone])]);
  const id = responsibleCarrier(phone, carriers, portedTo);
  const carrier = carriers.find((candidate) => candidate.id === id);
  if (!carrier) return undefined;
  const block = blockHolder(phone, carriers);
  const reportingSince = Math.max(carrier.reportingSince, block?.reportingSince ?? carrier.reportingSince);
  return { id: carrier.id, reportingSince };
}

/** 403 NUMBER_NOT_IN_RANGE naming every number of `outside` (positions into the request). */
export function refuseOutside(outside: readonly number[], pointer: (index: number) => string): void {
  if (outside.length === 0) return;
  throw new Problem(
    "NUMBER_NOT_IN_RANGE",
    `${outside.length} number(s) are not this carrier's responsibility; nothing was done`,
    outside.map((index) => ({ pointer: pointer(index), detail: "not in this carrier's ranges, or ported away" })),
  );
}
