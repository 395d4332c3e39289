import type { Principal } from "../auth/access-token.js";
import { Problem } from "../http/problems.js";

type Person = Extract<Principal, { kind: "person" }>;

/** The caller as a person: the `me` scope admits only person tokens, machine tokens never carry it. */
export function person(principal: Principal): Person {
  if (principal.kind !== "person") throw new Problem("PERMISSION_DENIED", "only a person's token may use /v1/me");
  return principal;
}
