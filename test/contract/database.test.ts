import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { freshStores } from "#test-db";
import { auditLog, usedAssertions } from "../../src/db/control-schema.js";

describe("the data layer answers in one shape on every driver", () => {
  it("atomic() returns rows and changes per statement, and applies all or nothing", async () => {
    const { db } = await freshStores();
    const insert = (jti: string) =>
      db.orm.insert(usedAssertions).values({ clientId: "c", jti, expiresAt: 1 }).onConflictDoNothing();
    const results = await db.atomic([
      insert("a").returning({ jti: usedAssertions.jti }),
      insert("a").returning({ jti: usedAssertions.jti }),
      insert("b"),
      db.orm.update(usedAssertions).set({ expiresAt: 2 }).where(eq(usedAssertions.clientId, "c")),
      sql`delete from ${usedAssertions} where ${usedAssertions.jti} = 'nothing'`,
    ]);
    expect(results).toEqual([
      { rows: [{ jti: "a" }], changes: 1 },
      { rows: [], changes: 0 },
      { rows: [], changes: 1 },
      { rows: [], changes: 2 },
      { rows: [], changes: 0 },
    ]);
    await expect(
      db.atomic([
        db.orm.insert(auditLog).values({ at: 1, actorKind: "app", actorId: "x", action: "a", detail: {} }),
        sql`select * from no_such_table`,
      ]),
    ).rejects.toThrow();
    expect(await db.orm.select().from(auditLog)).toEqual([]);
  });
});
