import BetterSqlite3 from "better-sqlite3";
import { is, SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import type { Database, Orm, Statement } from "./database.js";
import { schema } from "./schema.js";

export interface SqliteDatabase extends Database {
  readonly client: BetterSqlite3.Database;
  close(): void;
}

/** Opens (and creates) a SQLite file, or `:memory:`, tuned for one writer and many readers. */
export function openSqlite(path: string): SqliteDatabase {
  const client = new BetterSqlite3(path);
  client.pragma("journal_mode = WAL");
  // WAL + NORMAL: durable across application crashes, one fsync per checkpoint rather than per commit.
  client.pragma("synchronous = NORMAL");
  client.pragma("busy_timeout = 5000");
  client.pragma("foreign_keys = ON");
  if (process.env.EXP_CACHE) client.pragma(`cache_size = ${process.env.EXP_CACHE}`);
  if (process.env.EXP_MMAP) client.pragma(`mmap_size = ${process.env.EXP_MMAP}`);
  const orm = drizzle({ client, schema });
  const dialect = new SQLiteSyncDialect();
  // drizzle's sync driver exposes a synchronous result only through the prepared query; the
  // builder's own execute() is async and would let an error escape the transaction.
  type Executable = { _prepare(): { execute(): { sync(): unknown } } };
  return {
    orm: orm as unknown as Orm,
    driver: "better-sqlite3",
    client,
    async atomic(statements: readonly Statement[]) {
      // better-sqlite3 is synchronous: the whole transaction runs without yielding, as D1's batch does.
      return client.transaction(() =>
        statements.map((statement) => {
          if (is(statement, SQL)) {
            const query = dialect.sqlToQuery(statement);
            return client.prepare(query.sql).run(...(query.params as unknown[]));
          }
          return (statement as unknown as Executable)._prepare().execute().sync();
        }),
      )();
    },
    close: () => client.close(),
  };
}

export function migrateSqlite(database: SqliteDatabase, migrationsFolder: string): void {
  migrate(drizzle({ client: database.client, schema }), { migrationsFolder });
}
