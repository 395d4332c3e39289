import { and, eq, sql } from "drizzle-orm";
import { MAX_CLOCK_SKEW_MS } from "../clock.js";
import type { Database } from "../db/database.js";
import { bindings } from "../db/shard-schema.js";
import { Problem } from "../http/problems.js";
import { newId } from "../ids.js";
import { lastReassignedAt } from "../numbers/store.js";
import type { PhoneNumber } from "../phone.js";
import { findForLogin, touch } from "./store.js";
import { type BindingRow, effectiveState } from "./view.js";

export interface LoginInput {
  appId: string;
  phone: PhoneNumber;
  accountRef: string;
  verifiedAt?: number;
}

export interface LoginDeps {
  db: Database;
  now: number;
  inactivityMs: number;
}

/**
 * A login refreshes last_seen_at only once per granule (1/90 of the window: a day for P90D), so
 * most logins are one indexed read and no write. Expiry moves by at most one granule.
 */
function refreshGranule(inactivityMs: number): number {
  return Math.floor(inactivityMs / 90);
}

function refuseIfRecycled(reassignedAt: number | null, verifiedAt: number) {
  if (reassignedAt !== null && reassignedAt > verifiedAt) {
    throw new Problem(
      "NUMBER_RECYCLED",
      "the number was reassigned to a new subscriber after this account last verified it; verify the number again and send verified_at",
    );
  }
}

/** PUT /v1/bindings: creates (created: true) or refreshes/revives the binding. */
export async function registerLogin(
  deps: LoginDeps,
  input: LoginInput,
): Promise<{ row: BindingRow; created: boolean }> {
  const { db, now, inactivityMs } = deps;
  if (input.verifiedAt !== undefined && input.verifiedAt > now + MAX_CLOCK_SKEW_MS) {
    throw new Problem("INVALID_ARGUMENT", "verified_at lies in the future", [
      { pointer: "/verified_at", detail: "in the future" },
    ]);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = await findForLogin(db, input.appId, input.phone.hash, input.accountRef);
    if (!found) {
      const verifiedAt = input.verifiedAt ?? now;
      refuseIfRecycled(await lastReassignedAt(db, input.phone.hash), verifiedAt);
      const row: BindingRow = {
        id: newId("bnd"),
        appId: input.appId,
        phoneHash: input.phone.hash,
        phoneHint: input.phone.hint,
        accountRef: input.accountRef,
        status: "active",
        boundAt: now,
        verifiedAt,
        lastSeenAt: now,
        endedAt: null,
        endReason: null,
      };
      const inserted = (await db.orm
        .insert(bindings)
        .values(row)
        .onConflictDoNothing()
        .returning({ id: bindings.id })) as unknown[];
      if (inserted.length === 1) return { row, created: true };
      continue; // a concurrent first login won the insert: refresh the row it wrote.
    }

    const { binding } = found;
    refuseIfRecycled(found.lastReassignedAt, input.verifiedAt ?? binding.verifiedAt);
    const state = effectiveState(binding, now, inactivityMs);
    if (
      state.status === "unbound" &&
      state.endReason === "USER_REQUEST" &&
      !(input.verifiedAt !== undefined && input.verifiedAt > state.endedAt!)
    ) {
      throw new Problem(
        "UNBOUND_BY_HOLDER",
        "the number's holder ended this binding; verify the number again and send a verified_at later than the end",
      );
    }
    const verifiedAt = Math.max(binding.verifiedAt, input.verifiedAt ?? 0);

    if (state.status === "active") {
      if (now - binding.lastSeenAt < refreshGranule(inactivityMs) && verifiedAt === binding.verifiedAt) {
        return { row: binding, created: false };
      }
      await touch(db, binding.id, now, verifiedAt);
      return { row: { ...binding, lastSeenAt: now, verifiedAt }, created: false };
    }

    // Ended by inactivity, by the app, by a recycle the caller re-verified past, or by the holder
    // after a fresh verification: the binding starts a new life. The guard on the row's previous
    // state makes a concurrent sweep or unbind win cleanly instead of being overwritten.
    const revived: BindingRow = {
      ...binding,
      status: "active",
      boundAt: now,
      verifiedAt,
      lastSeenAt: now,
      endedAt: null,
      endReason: null,
    };
    const result = (await db.orm
      .update(bindings)
      .set({ status: "active", boundAt: now, verifiedAt, lastSeenAt: now, endedAt: null, endReason: null })
      .where(
        and(
          eq(bindings.id, binding.id),
          eq(bindings.status, binding.status),
          eq(bindings.lastSeenAt, binding.lastSeenAt),
          sql`${bindings.endedAt} is ${binding.endedAt}`,
        ),
      )
      .returning({ id: bindings.id })) as unknown[];
    if (result.length === 1) return { row: revived, created: false };
  }
  throw new Problem("CONFLICT", "the binding changed concurrently; retry the request");
}
