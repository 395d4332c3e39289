import type { Runtime } from "../http/context.js";
import type { PhoneNumber } from "../phone.js";
import { responsibleCarrierOf } from "./responsibility.js";

/** What the registry can say about a number's subscriber changing, from some instant on. */
export interface RecycledAnswer {
  /**
   * Reassigned to a new subscriber at or after the instant; null is *no data*, never a "no": no
   * carrier answers for the number, or its reports are complete only from a later instant.
   */
  recycled: boolean | null;
  lastReassignedAt: number | null;
  /** Since when the number's reports are complete; null when no carrier answers for it. */
  reportingSince: number | null;
}

/**
 * The one rule behind /v1/numbers/check-recycled and CAMARA's check: was the number reassigned
 * at or after `from` (ms)? Only a reassignment counts: a port moves the same subscriber to
 * another carrier, and a deactivation without a new subscriber changes no one's account.
 */
export async function recycledFrom(
  runtime: Pick<Runtime, "db" | "shards">,
  phone: PhoneNumber,
  from: number,
): Promise<RecycledAnswer> {
  const [carrier, lastReassignedAt] = await Promise.all([
    responsibleCarrierOf(runtime, phone),
    runtime.shards.call(runtime.shards.ofHash(phone.hash), "lastReassignedAt", { phoneHash: phone.hash }),
  ]);
  if (!carrier) return { recycled: null, lastReassignedAt, reportingSince: null };
  const complete = carrier.reportingSince <= from;
  return {
    recycled: complete ? lastReassignedAt !== null && lastReassignedAt >= from : null,
    lastReassignedAt,
    reportingSince: carrier.reportingSince,
  };
}
