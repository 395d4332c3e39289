import { gt } from "drizzle-orm";
import type { Principal } from "../auth/access-token.js";
import { auditLog } from "../db/control-schema.js";
import type { Database, Statement } from "../db/database.js";

type AuditAction =
  | "client.created"
  | "client.updated"
  | "numbers.checked"
  | "numbers.events_reported"
  | "me.bindings_listed"
  | "me.binding_unbound";

/** Who acted: a caller of the API, or an operator at the command line (`numbind clients ...` on the file). */
type AuditActor = Pick<Principal, "kind" | "clientId"> | { kind: "cli"; clientId: string };

export interface AuditEntry {
  at: number;
  actor: AuditActor;
  action: AuditAction;
  /** Never a plain number: number hashes, counts, ids. */
  detail: Record<string, unknown>;
}

export function auditStatement(db: Database, entry: AuditEntry): Statement {
  return db.orm.insert(auditLog).values({
    at: entry.at,
    actorKind: entry.actor.kind,
    actorId: entry.actor.clientId,
    action: entry.action,
    detail: entry.detail,
  });
}

export async function audit(db: Database, entry: AuditEntry): Promise<void> {
  await db.atomic([auditStatement(db, entry)]);
}

/** The log in order, after the given entry id. */
export async function listAudit(db: Database, after: number | undefined, limit: number) {
  return db.orm
    .select()
    .from(auditLog)
    .where(after === undefined ? undefined : gt(auditLog.id, after))
    .orderBy(auditLog.id)
    .limit(limit);
}
