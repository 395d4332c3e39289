import { and, asc, eq, isNotNull } from "drizzle-orm";
import { clients } from "../db/control-schema.js";
import type { Database } from "../db/database.js";

export interface SignInCarrier {
  id: string;
  name: string;
  signInUrl: string;
}

/** The enabled carriers that sign people in: the choice the page offers, by name. */
export async function signInCarriers(db: Database): Promise<SignInCarrier[]> {
  const rows = await db.orm
    .select({ id: clients.id, name: clients.name, signInUrl: clients.personSignInUrl })
    .from(clients)
    .where(and(eq(clients.kind, "carrier"), eq(clients.disabled, false), isNotNull(clients.personSignInUrl)))
    .orderBy(asc(clients.name), asc(clients.id));
  return rows as SignInCarrier[];
}
