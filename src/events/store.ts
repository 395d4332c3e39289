import { and, asc, eq, gt } from "drizzle-orm";
import { events } from "../db/control-schema.js";
import type { Database } from "../db/database.js";

/** The app's feed in order, after the given event id. */
export async function listEvents(db: Database, appId: string, after: number | undefined, limit: number) {
  return db.orm
    .select()
    .from(events)
    .where(and(eq(events.appId, appId), after === undefined ? undefined : gt(events.id, after)))
    .orderBy(asc(events.id))
    .limit(limit);
}
