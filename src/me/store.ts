import { and, asc, eq } from "drizzle-orm";
import { activeAt } from "../bindings/store.js";
import { clients } from "../db/control-schema.js";
import type { Database } from "../db/database.js";
import { bindings } from "../db/shard-schema.js";

/** The active bindings on one number, with their apps' names; never an account reference. */
export async function activeBindingsOnNumber(db: Database, phoneHash: string, now: number, inactivityMs: number) {
  return db.orm
    .select({
      id: bindings.id,
      appId: bindings.appId,
      appName: clients.name,
      boundAt: bindings.boundAt,
      lastSeenAt: bindings.lastSeenAt,
    })
    .from(bindings)
    .innerJoin(clients, eq(clients.id, bindings.appId))
    .where(and(eq(bindings.phoneHash, phoneHash), activeAt(now, inactivityMs)))
    .orderBy(asc(bindings.id));
}

/** Whether the binding is on this number (whatever its state). */
export async function isOnNumber(db: Database, id: string, phoneHash: string): Promise<boolean> {
  const row = await db.orm
    .select({ id: bindings.id })
    .from(bindings)
    .where(and(eq(bindings.id, id), eq(bindings.phoneHash, phoneHash)))
    .get();
  return row !== undefined;
}
