import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { migrateSqlite, openSqlite } from "../../src/db/better-sqlite3.js";
import { clients } from "../../src/db/schema.js";

describe("the SQLite driver's reuse of compiled statements", () => {
  it("hands out the same statement for the same SQL, in the mode a fresh one has", async () => {
    const db = openSqlite(":memory:");
    migrateSqlite(db, new URL("../../migrations", import.meta.url).pathname);
    const text = "select id, name from clients where kind = ?";
    expect(db.client.prepare(text)).toBe(db.client.prepare(text));

    await db.orm
      .insert(clients)
      .values({ id: "car_1", kind: "carrier", name: "C", jwks: { keys: [] }, createdAt: 1, updatedAt: 1 });
    // drizzle reads selected fields through raw() rows; a later plain use of the same text gets objects.
    const query = db.orm
      .select({ id: clients.id, name: clients.name })
      .from(clients)
      .where(eq(clients.kind, "carrier"));
    expect(await query).toEqual([{ id: "car_1", name: "C" }]);
    const same = db.client.prepare(query.toSQL().sql);
    expect(same.all("carrier")).toEqual([{ id: "car_1", name: "C" }]);
    expect(await query).toEqual([{ id: "car_1", name: "C" }]);
  });
});
