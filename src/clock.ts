/** Milliseconds since the epoch. Every time-dependent rule reads this, never Date.now() directly. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

export function rfc3339(ms: number): string;
export function rfc3339(ms: number | null): string | null;
export function rfc3339(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** How far ahead of our clock a client's timestamp may lie: clocks of other servers drift. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
