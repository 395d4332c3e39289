import type { CLIENT_KINDS } from "../db/enums.js";

export type ClientKind = (typeof CLIENT_KINDS)[number];

/** What each kind of caller may ask for (DESIGN.md, Authentication). */
const SCOPES_BY_KIND: Record<ClientKind | "person", readonly string[]> = {
  app: ["bindings", "events", "numbers:check-recycled"],
  carrier: ["numbers", "numbers:check-recycled"],
  admin: ["admin"],
  person: ["me"],
};

export const ALL_SCOPES = [...new Set(Object.values(SCOPES_BY_KIND).flat())];

/** The granted scopes, or undefined when the request names one the kind may not have. */
export function grantScopes(kind: ClientKind | "person", requested: string | undefined): string[] | undefined {
  const allowed = SCOPES_BY_KIND[kind];
  if (requested === undefined || requested.trim() === "") return [...allowed];
  const wanted = [...new Set(requested.trim().split(/\s+/))];
  return wanted.every((scope) => allowed.includes(scope)) ? wanted : undefined;
}
