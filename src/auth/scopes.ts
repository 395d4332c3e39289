import type { CLIENT_KINDS } from "../db/enums.js";
import { quoted } from "./assertion.js";

export type ClientKind = (typeof CLIENT_KINDS)[number];

/** What each kind of caller may ask for (DESIGN.md, Authentication). */
const SCOPES_BY_KIND: Record<ClientKind | "person", readonly string[]> = {
  app: ["bindings", "events", "webhooks", "numbers:check-recycled", "number-recycling:check"],
  carrier: ["numbers", "numbers:check-recycled"],
  admin: ["admin"],
  person: ["me"],
};

export const ALL_SCOPES = [...new Set(Object.values(SCOPES_BY_KIND).flat())];

/**
 * CAMARA's purpose (ICM r3.3, "Purpose as a scope"): exactly one `dpv:<DPV purpose>` among the
 * scope values. Earlier ICM releases wrote it `dpv:<purpose>#<technical parameter>`, the parameter
 * naming a scope or a whole API; clients of those still send it, so it is read too.
 */
const PURPOSE = /^dpv:[A-Za-z][A-Za-z0-9]*(?:#(.+))?$/;
/** An API name in a purpose's technical parameter stands for that API's scopes. */
const SCOPES_BY_API: Record<string, readonly string[]> = { "number-recycling": ["number-recycling:check"] };

type ScopeGrant = { scopes: string[] } | { refusal: string };

/**
 * The scopes a token carries for this request, or why it is refused (`invalid_scope`). No scope
 * asked: all of the kind's. A purpose is read for the scopes it names and not kept: numbind grants
 * by client kind, records no consent, and tokens carry only scopes some route checks.
 */
export function grantScopes(kind: ClientKind | "person", requested: string | undefined): ScopeGrant {
  const allowed = SCOPES_BY_KIND[kind];
  const values = (requested ?? "").trim().split(/\s+/).filter(Boolean);
  const purposes = values.filter((value) => value.startsWith("dpv:"));
  if (purposes.length > 1) {
    return { refusal: `a request declares at most one purpose (dpv:...); this one has ${purposes.length}` };
  }
  const wanted: string[] = [];
  for (const value of values) {
    if (!value.startsWith("dpv:")) {
      wanted.push(value);
      continue;
    }
    const purpose = PURPOSE.exec(value);
    if (!purpose) return { refusal: `a purpose is dpv:<DPV purpose>, like dpv:FraudPreventionAndDetection` };
    const technical = purpose[1];
    if (technical !== undefined) wanted.push(...(SCOPES_BY_API[technical] ?? [technical]));
  }
  if (wanted.length === 0) return { scopes: [...allowed] };
  const refused = wanted.find((scope) => !allowed.includes(scope));
  if (refused !== undefined) {
    return {
      refusal: `a ${kind} token may carry ${allowed.join(" ")}; ${quoted(refused)} is not one of them`,
    };
  }
  return { scopes: [...new Set(wanted)] };
}
