import { MAX_CLOCK_SKEW_MS } from "../clock.js";
import type { ShardOrm, ShardStore } from "../db/shard-store.js";
import { Problem } from "../http/problems.js";
import { newId } from "../ids.js";
import { lastReassignedAt } from "../numbers/store.js";
import { findForLogin, insertBinding, revive, touch } from "./store.js";
import { type BindingRow, effectiveState } from "./view.js";

/** What a login sends its number's shard: never the number, only its hash, hint and route. */
export interface LoginInput {
  appId: string;
  phoneHash: string;
  phoneHint: string;
  /** ROUTE_BITS of the hash: a new binding's id carries it. */
  route: number;
  accountRef: string;
  verifiedAt?: number;
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

export interface LoginResult {
  row: BindingRow;
  created: boolean;
  /** Whether the stored binding changed (created, refreshed, revived, or newly verified). */
  changed: boolean;
}

/** PUT /v1/bindings on the number's shard: creates (created: true), refreshes or revives the binding. */
export function login(store: ShardStore, input: LoginInput): LoginResult {
  const { now, inactivityMs } = input;
  if (input.verifiedAt !== undefined && input.verifiedAt > now + MAX_CLOCK_SKEW_MS) {
    throw new Problem("INVALID_ARGUMENT", "verified_at lies in the future", [
      { pointer: "/verified_at", detail: "in the future" },
    ]);
  }
  // The common login: an active binding seen within its granule, nothing new verified. One read,
  // no write, no transaction.
  const seen = findForLogin(store.orm, input.appId, input.phoneHash, input.accountRef);
  if (
    seen &&
    seen.binding.status === "active" &&
    now - seen.binding.lastSeenAt < refreshGranule(inactivityMs) &&
    now < seen.binding.lastSeenAt + inactivityMs &&
    (input.verifiedAt === undefined || input.verifiedAt <= seen.binding.verifiedAt)
  ) {
    refuseIfRecycled(seen.lastReassignedAt, input.verifiedAt ?? seen.binding.verifiedAt);
    return { row: seen.binding, created: false, changed: false };
  }
  return store.transaction(() => loginWithin(store.orm, input));
}

/**
 * Everything else, read again and decided inside the caller's transaction, so nothing can change
 * in between: a login's own, or an import's for a whole slice of lines.
 */
export function loginWithin(orm: ShardOrm, input: LoginInput): LoginResult {
  const { now, inactivityMs } = input;
  const found = findForLogin(orm, input.appId, input.phoneHash, input.accountRef);
  if (!found) {
    const verifiedAt = input.verifiedAt ?? now;
    refuseIfRecycled(lastReassignedAt(orm, input.phoneHash), verifiedAt);
    const row: BindingRow = {
      id: newId("bnd", input.route),
      appId: input.appId,
      phoneHash: input.phoneHash,
      phoneHint: input.phoneHint,
      accountRef: input.accountRef,
      status: "active",
      boundAt: now,
      verifiedAt,
      lastSeenAt: now,
      endedAt: null,
      endReason: null,
    };
    insertBinding(orm, row);
    return { row, created: true, changed: true };
  }

  const { binding } = found;
  refuseIfRecycled(found.lastReassignedAt, input.verifiedAt ?? binding.verifiedAt);
  const state = effectiveState(binding, now, inactivityMs);
  const verifiedSinceEnd = input.verifiedAt !== undefined && state.endedAt !== null && input.verifiedAt > state.endedAt;
  if (state.status === "unbound" && state.endReason === "USER_REQUEST" && !verifiedSinceEnd) {
    throw new Problem(
      "UNBOUND_BY_HOLDER",
      "the number's holder ended this binding; verify the number again and send a verified_at later than the end",
    );
  }
  const verifiedAt = Math.max(binding.verifiedAt, input.verifiedAt ?? 0);
  if (state.status === "active") {
    if (now - binding.lastSeenAt < refreshGranule(inactivityMs) && verifiedAt === binding.verifiedAt) {
      return { row: binding, created: false, changed: false };
    }
    touch(orm, binding.id, now, verifiedAt);
    return { row: { ...binding, lastSeenAt: now, verifiedAt }, created: false, changed: true };
  }
  // Ended by inactivity, by the app, by a recycle the caller re-verified past, or by the holder
  // after a fresh verification: the binding starts a new life.
  revive(orm, binding.id, now, verifiedAt);
  const revived: BindingRow = {
    ...binding,
    status: "active",
    boundAt: now,
    verifiedAt,
    lastSeenAt: now,
    endedAt: null,
    endReason: null,
  };
  return { row: revived, created: false, changed: true };
}
