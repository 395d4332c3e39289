/** Who a request budget applies to: the client kinds and the people signed in through carriers. */
const BUDGETED_KINDS = ["app", "carrier", "admin", "person"] as const;
export type BudgetedKind = (typeof BUDGETED_KINDS)[number];

/** A request budget: `count` requests every `perMs` milliseconds. */
export interface Budget {
  count: number;
  perMs: number;
}

/**
 * NUMBIND_RATE_LIMITS as the limiter reads it: every budget off, or the budgets the operator set
 * per kind (a kind left out keeps the limiter's default for it).
 */
export type RateLimits = { off: true } | { off: false; byKind: Partial<Record<BudgetedKind, Budget>> };

const UNIT_MS = { s: 1_000, min: 60_000, h: 3_600_000 } as const;
const BUDGET = /^([1-9]\d{0,8})\/(s|min|h)$/;

/** `2000/s`, `3000/min`, `100/h` as a Budget; undefined for anything else. The same form as a client's `rate_limit`. */
export function parseBudget(text: string): Budget | undefined {
  const match = BUDGET.exec(text.trim());
  if (!match) return undefined;
  return { count: Number(match[1]), perMs: UNIT_MS[match[2] as keyof typeof UNIT_MS] };
}

const EXAMPLE = "app=2000/s,carrier=200/s,person=300/min";

/** Parses NUMBIND_RATE_LIMITS; throws an Error whose message says what was expected. */
export function parseRateLimits(text: string): RateLimits {
  const trimmed = text.trim();
  if (trimmed.toLowerCase() === "off") return { off: true };
  const byKind: Partial<Record<BudgetedKind, Budget>> = {};
  for (const entry of trimmed.split(",")) {
    const [kind, budget, ...rest] = entry.split("=").map((part) => part.trim());
    if (!kind || budget === undefined || rest.length > 0) {
      throw new Error(`"${entry.trim()}" is not kind=budget; write e.g. ${EXAMPLE}, or off`);
    }
    if (!(BUDGETED_KINDS as readonly string[]).includes(kind)) {
      throw new Error(`"${kind}" is not a kind with a budget; the kinds are ${BUDGETED_KINDS.join(", ")}`);
    }
    if (byKind[kind as BudgetedKind]) throw new Error(`${kind} is given twice`);
    if (budget === "off") {
      throw new Error(`${kind}=off: budgets are switched off all at once (NUMBIND_RATE_LIMITS=off), not per kind`);
    }
    const parsed = parseBudget(budget);
    if (!parsed) {
      throw new Error(`${kind}=${budget}: a budget is a count per s, min or h, like 2000/s or 3000/min`);
    }
    byKind[kind as BudgetedKind] = parsed;
  }
  return { off: false, byKind };
}
