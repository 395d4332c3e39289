import { rfc3339 } from "../clock.js";
import type { bindings } from "../db/shard-schema.js";

export type BindingRow = typeof bindings.$inferSelect;
export type BindingStatus = BindingRow["status"];
export type EndReason = NonNullable<BindingRow["endReason"]>;

/**
 * The binding as it is now. The stored status lags the sweeper; inactivity is decided here,
 * at read time, so an expired binding never reads as active.
 */
export function effectiveState(
  row: Pick<BindingRow, "status" | "lastSeenAt" | "endedAt" | "endReason">,
  now: number,
  inactivityMs: number,
) {
  const expiresAt = row.lastSeenAt + inactivityMs;
  if (row.status === "active" && now >= expiresAt) {
    return { status: "expired" as const, endedAt: expiresAt, endReason: "INACTIVITY" as const, expiresAt };
  }
  return {
    status: row.status,
    endedAt: row.endedAt,
    endReason: row.endReason,
    expiresAt: row.status === "unbound" ? null : expiresAt,
  };
}

export function bindingView(row: BindingRow, now: number, inactivityMs: number) {
  const state = effectiveState(row, now, inactivityMs);
  return {
    id: row.id,
    phone_number_hint: row.phoneHint,
    account_ref: row.accountRef,
    status: state.status,
    bound_at: rfc3339(row.boundAt),
    verified_at: rfc3339(row.verifiedAt),
    last_seen_at: rfc3339(row.lastSeenAt),
    expires_at: rfc3339(state.expiresAt),
    ended_at: rfc3339(state.endedAt),
    end_reason: state.endReason,
  };
}
