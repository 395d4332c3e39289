import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { decodeJwt } from "jose";
import type { Principal } from "../auth/access-token.js";
import type { Clock } from "../clock.js";
import { type Budget, type BudgetedKind, parseBudget, type RateLimits } from "../config/rate-limits.js";
import type { Database } from "../db/database.js";
import { ClientBudgetCache } from "./client-budgets.js";
import type { AppEnv } from "./context.js";
import { Problem } from "./problems.js";
import { type Take, TokenBuckets } from "./token-bucket.js";

/** Each kind's budget unless NUMBIND_RATE_LIMITS or the client's own `rate_limit` says otherwise. */
const DEFAULT_BUDGETS: Record<BudgetedKind, Budget> = {
  app: { count: 2000, perMs: 1_000 },
  carrier: { count: 200, perMs: 1_000 },
  admin: { count: 50, perMs: 1_000 },
  // Five a second on average, held as a minute's worth: cutting every app at once on the people's
  // page is one call per binding, and must not run out halfway.
  person: { count: 300, perMs: 60_000 },
};

/**
 * Token requests from one address (one IPv6 /64): the client id in an assertion is not proven
 * until its signature is checked, so this is what bounds the signature checks one source can
 * cause. Generous, since many clients may share a NAT.
 */
const TOKEN_BUDGET_PER_ADDRESS: Budget = { count: 1000, perMs: 1_000 };

/** A budget applied to one request: a named policy (the RateLimit fields' name) over one bucket. */
interface Policy {
  name: "client" | "person" | "token-client" | "token-address";
  key: string;
  budget: Budget;
}

const UNITS: [number, string][] = [
  [3_600_000, "hour"],
  [60_000, "minute"],
  [1_000, "second"],
];

function describe(budget: Budget): string {
  const unit = UNITS.find(([ms]) => budget.perMs === ms);
  return `${budget.count} requests per ${unit ? unit[1] : `${budget.perMs / 1000} s`}`;
}

/**
 * The request budgets of one process or Worker isolate, in memory: on Workers each isolate counts
 * on its own, so a client spread over several isolates may get up to that many budgets.
 */
export class RequestBudgets {
  readonly #buckets: TokenBuckets;
  readonly #clients: ClientBudgetCache;

  constructor(
    db: Database,
    clock: Clock,
    private readonly rateLimits: RateLimits | undefined,
  ) {
    this.#buckets = new TokenBuckets(clock);
    this.#clients = new ClientBudgetCache(db, clock);
  }

  get off(): boolean {
    return this.rateLimits?.off === true;
  }

  #kindBudget(kind: BudgetedKind): Budget {
    const configured = this.rateLimits && !this.rateLimits.off ? this.rateLimits.byKind[kind] : undefined;
    return configured ?? DEFAULT_BUDGETS[kind];
  }

  /** The client's budget: its override, else its kind's; undefined when it has none (`off`, unknown). */
  async #clientBudget(clientId: string, kind?: BudgetedKind): Promise<Budget | undefined> {
    const row = await this.#clients.lookup(clientId);
    if (row?.rateLimit === "off") return undefined;
    const override = row?.rateLimit ? parseBudget(row.rateLimit) : undefined;
    const ofKind = row?.kind ?? kind;
    return override ?? (ofKind ? this.#kindBudget(ofKind) : undefined);
  }

  /** An authenticated request's policy: a person's by their number, a client's by its id. */
  async forPrincipal(principal: Principal): Promise<Policy | undefined> {
    if (this.off) return undefined;
    if (principal.kind === "person") {
      return { name: "person", key: `person:${principal.phoneHash}`, budget: this.#kindBudget("person") };
    }
    const budget = await this.#clientBudget(principal.clientId, principal.kind);
    return budget && { name: "client", key: `client:${principal.clientId}`, budget };
  }

  /** The token endpoint's policy for the client an assertion names, if that client exists. */
  async forTokenClient(clientId: string): Promise<Policy | undefined> {
    if (this.off) return undefined;
    const budget = await this.#clientBudget(clientId);
    return budget && { name: "token-client", key: `token:${clientId}`, budget };
  }

  forTokenAddress(address: string | undefined): Policy | undefined {
    if (this.off) return undefined;
    return { name: "token-address", key: `address:${addressKey(address)}`, budget: TOKEN_BUDGET_PER_ADDRESS };
  }

  take(policy: Policy): Take {
    return this.#buckets.take(policy.key, policy.budget);
  }
}

/** One address per bucket; an IPv6 host usually holds a whole /64, so that is one bucket. */
function addressKey(address: string | undefined): string {
  if (!address) return "unknown";
  const plain = address.split("%")[0]!.toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(plain);
  if (mapped) return mapped[1]!;
  if (!plain.includes(":")) return plain;
  const [head = "", tail] = plain.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const groups =
    tail === undefined
      ? headGroups
      : [...headGroups, ...Array(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill("0"), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

/**
 * draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy` names each budget (q requests per w
 * seconds), `RateLimit` what is left of it (r) and in how many seconds more is available (t:
 * when refused, the same as Retry-After; else until the budget is whole again).
 */
function announce(c: Context<AppEnv>, taken: { policy: Policy; take: Take }[]): void {
  c.header(
    "RateLimit-Policy",
    taken
      .map(
        ({ policy }) =>
          `"${policy.name}";q=${policy.budget.count};w=${Math.max(1, Math.ceil(policy.budget.perMs / 1000))}`,
      )
      .join(", "),
  );
  c.header(
    "RateLimit",
    taken
      .map(
        ({ policy, take }) =>
          `"${policy.name}";r=${take.remaining};t=${take.allowed ? take.fullInSeconds : take.retryAfterSeconds}`,
      )
      .join(", "),
  );
  const refused = taken.filter(({ take }) => !take.allowed);
  if (refused.length > 0) {
    c.header("Retry-After", String(Math.max(...refused.map(({ take }) => take.retryAfterSeconds))));
  }
}

function refusal(policy: Policy, take: Take): Problem {
  const whose =
    policy.name === "token-address"
      ? "token requests from this address are"
      : policy.name === "token-client"
        ? "token requests for this client are"
        : policy.name === "person"
          ? "requests with this person's tokens are"
          : "this client's requests are";
  return new Problem(
    "RATE_LIMITED",
    `${whose} over their budget of ${describe(policy.budget)}; retry after ${take.retryAfterSeconds} s`,
  );
}

/** Runs right after `authenticate`: 429 before the request does any work past proving who it is. */
export function requestBudget(budgets: RequestBudgets): MiddlewareHandler<AppEnv> {
  return createMiddleware<AppEnv>(async (c, next) => {
    const policy = await budgets.forPrincipal(c.var.principal);
    if (policy) {
      const take = budgets.take(policy);
      announce(c, [{ policy, take }]);
      if (!take.allowed) throw refusal(policy, take);
    }
    await next();
  });
}

/** The client id an assertion claims, read without verifying it: only to pick its budget. */
async function claimedClientId(c: Context<AppEnv>): Promise<string | undefined> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(c.req.header("content-type") ?? "")) return undefined;
  // The bytes stay cached for the endpoint, which decodes them strictly itself.
  const form = new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()));
  const assertion = form.get("client_assertion") ?? form.get("assertion");
  if (!assertion) return undefined;
  try {
    const { iss } = decodeJwt(assertion);
    return typeof iss === "string" && iss.length > 0 && iss.length <= 200 ? iss : undefined;
  } catch {
    return undefined;
  }
}

/**
 * POST /oauth/token: the sending address's budget first (before the body is read), then the
 * budget of the client the assertion names, both before any signature is checked.
 */
export function tokenRequestBudget(
  budgets: RequestBudgets,
  remoteAddress: (c: Context<AppEnv>) => string | undefined,
): MiddlewareHandler<AppEnv> {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.method !== "POST" || budgets.off) return next();
    const taken: { policy: Policy; take: Take }[] = [];
    const byAddress = budgets.forTokenAddress(remoteAddress(c))!;
    taken.push({ policy: byAddress, take: budgets.take(byAddress) });
    if (taken[0]!.take.allowed) {
      const clientId = await claimedClientId(c);
      const byClient = clientId === undefined ? undefined : await budgets.forTokenClient(clientId);
      if (byClient) taken.push({ policy: byClient, take: budgets.take(byClient) });
    }
    announce(c, taken);
    const refused = taken.find(({ take }) => !take.allowed);
    if (refused) throw refusal(refused.policy, refused.take);
    await next();
  });
}
