import { eq } from "drizzle-orm";
import { bindings } from "../db/shard-schema.js";
import type { ShardStore } from "../db/shard-store.js";
import { Problem, type ProblemCode } from "../http/problems.js";
import { type LoginInput, loginWithin } from "./login.js";
import { findForLogin } from "./store.js";

/** One import line as its number's shard receives it: a login at the line's last_seen_at. */
export interface ImportRow extends Omit<LoginInput, "now" | "inactivityMs"> {
  /** The line number in the request, 1-based, for the answer. */
  line: number;
  lastSeenAt: number;
}

export type ImportOutcome =
  | "created"
  | "refreshed"
  | "unchanged"
  | "expired"
  | { line: number; code: ProblemCode; detail: string };

/**
 * Imports a slice of lines in one transaction. Each line follows the login rules, as a login at
 * its last_seen_at: a number reassigned after the line's verification is refused, and so is a
 * binding its holder ended; a binding seen before the window is stored as expired at once,
 * without a feed event (the app knew it already). Importing the same lines again changes nothing.
 */
export function importRows(
  store: ShardStore,
  input: { rows: ImportRow[]; now: number; inactivityMs: number },
): ImportOutcome[] {
  const { now, inactivityMs } = input;
  return store.transaction(() =>
    input.rows.map((row): ImportOutcome => {
      try {
        const stored = findForLogin(store.orm, row.appId, row.phoneHash, row.accountRef)?.binding;
        if (stored?.status === "expired" && stored.lastSeenAt >= row.lastSeenAt) return "unchanged";
        const result = loginWithin(store.orm, { ...row, now: row.lastSeenAt, inactivityMs });
        const expiresAt = result.row.lastSeenAt + inactivityMs;
        if (result.row.status === "active" && expiresAt <= now) {
          store.orm
            .update(bindings)
            .set({ status: "expired", endedAt: expiresAt, endReason: "INACTIVITY" })
            .where(eq(bindings.id, result.row.id))
            .run();
          return "expired";
        }
        if (result.created) return "created";
        return result.changed ? "refreshed" : "unchanged";
      } catch (error) {
        if (!(error instanceof Problem)) throw error;
        return { line: row.line, code: error.code, detail: error.message };
      }
    }),
  );
}
