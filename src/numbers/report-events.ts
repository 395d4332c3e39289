import type { Runtime } from "../http/context.js";
import type { PhoneNumber } from "../phone.js";
import type { CarrierEvent } from "./lifecycle.js";
import { outsideResponsibility, refuseOutside } from "./responsibility.js";

/**
 * Events per shard call: a large batch goes in slices, with other requests let in between. Ten
 * keeps a login's p99 within about 3× of its usual while batches of 1,000 run (bench/README.md).
 */
const EVENTS_PER_CALL = 10;

type Status = "recorded" | "duplicate";

/**
 * Applies a carrier's batch on the numbers' shards: in parallel across shards, in slices within
 * one, each event atomic and idempotent by its id, so a batch retried after a partial failure
 * converges. The carrier must answer for every number, except for events it sent before: a
 * resent batch stays a harmless duplicate after it ported a number away.
 */
export async function reportEvents(
  runtime: Pick<Runtime, "db" | "shards" | "config">,
  carrierId: string,
  events: readonly { event: CarrierEvent; phone: PhoneNumber }[],
  now: number,
  pointer: (index: number) => string,
): Promise<Status[]> {
  const { shards } = runtime;
  const positions = events.map((entry, index) => ({ ...entry, index }));
  const groups = shards.group(positions, (entry) => entry.phone.hash);

  const preflights = await Promise.all(
    groups.map(([index, group]) =>
      shards.call(index, "preflightEvents", {
        carrierId,
        eventIds: [...new Set(group.map((entry) => entry.event.id))],
        phoneHashes: [...new Set(group.map((entry) => entry.phone.hash))],
      }),
    ),
  );
  const sentBefore = new Set(
    groups.flatMap(([, group], position) => {
      const recorded = new Set(preflights[position]!.recorded);
      return group.filter((entry) => recorded.has(entry.event.id)).map((entry) => entry.index);
    }),
  );
  const checked = positions.filter((entry) => !sentBefore.has(entry.index));
  const portedTo = new Map(preflights.flatMap((preflight) => preflight.ported));
  const outside = await outsideResponsibility(
    runtime,
    carrierId,
    checked.map((entry) => entry.phone),
    portedTo,
  );
  refuseOutside(
    outside.map((position) => checked[position]!.index),
    pointer,
  );

  const statuses: Status[] = [];
  await Promise.all(
    groups.map(async ([index, group]) => {
      for (let start = 0; start < group.length; start += EVENTS_PER_CALL) {
        if (start > 0) await new Promise((resolve) => setTimeout(resolve, 0));
        const slice = group.slice(start, start + EVENTS_PER_CALL);
        const results = await shards.call(index, "applyEvents", {
          carrierId,
          events: slice.map((entry) => entry.event),
          now,
          inactivityMs: runtime.config.inactivityMs,
        });
        for (const [offset, entry] of slice.entries()) statuses[entry.index] = results[offset]!;
      }
    }),
  );
  return statuses;
}
