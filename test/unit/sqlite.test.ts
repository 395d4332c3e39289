import { readFileSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { migrateSqlite, openSqlite } from "../../src/db/better-sqlite3.js";
import { clients } from "../../src/db/control-schema.js";

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

describe("migrating a file made with the one migration history of earlier releases", () => {
  it("keeps its bindings and brings both stores up to date", () => {
    const root = new URL("../../migrations", import.meta.url).pathname;
    const legacy = openSqlite(":memory:");
    // The earlier single history: one migration creating every table, recorded at this time stamp.
    const oldInit = ["control", "shard"]
      .map((store) => readFileSync(join(root, store, "0000_init.sql"), "utf8"))
      .join("\n--> statement-breakpoint\n");
    for (const statement of oldInit.split("--> statement-breakpoint")) legacy.client.exec(statement);
    legacy.client.exec(
      "create table __drizzle_migrations (id integer primary key, hash text not null, created_at numeric)",
    );
    legacy.client.prepare("insert into __drizzle_migrations (hash, created_at) values ('old', 1795898936379)").run();
    legacy.client
      .prepare(
        "insert into bindings (id, app_id, phone_hash, phone_hint, account_ref, status, bound_at, verified_at, last_seen_at) values ('bnd_1', 'app_1', 'h', '+86139****5678', 'a', 'active', 1, 1, 1)",
      )
      .run();

    migrateSqlite(legacy, root);
    migrateSqlite(legacy, root); // a second start changes nothing

    expect(legacy.client.prepare("select id from bindings").all()).toEqual([{ id: "bnd_1" }]);
    expect(legacy.client.prepare("select count(*) as n from outbox").get()).toEqual({ n: 0 });
    const clientColumns = legacy.client.prepare("select name from pragma_table_info('clients')").all();
    expect(clientColumns).toContainEqual({ name: "person_sign_in_url" });
  });
});
