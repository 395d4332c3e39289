import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { controlSchema as schema } from "./control-schema.js";
import { type Database, type Orm, type Statement, type StatementResult, toQuery } from "./database.js";
import { shardSchema } from "./shard-schema.js";
import type { ShardOrm, ShardStore } from "./shard-store.js";

export interface SqliteDatabase extends Database {
  readonly client: BetterSqlite3.Database;
  close(): void;
}

const MMAP_BYTES = 1 << 30;
const CACHED_STATEMENTS = 500;

/**
 * better-sqlite3 compiles SQL on every prepare(), and drizzle's query builder prepares on every
 * execution (profiled: 86 µs of a 1-number carrier check). The same builder shape always makes
 * the same SQL text, so recently compiled statements are kept by text and handed out again,
 * reset to the default result mode a fresh statement has (drizzle switches raw() per call).
 */
function reusePreparedStatements(client: BetterSqlite3.Database): void {
  const compile = client.prepare.bind(client);
  const statements = new Map<string, BetterSqlite3.Statement>();
  client.prepare = ((source: string) => {
    let statement = statements.get(source);
    if (statement) {
      statements.delete(source);
      if (statement.reader) statement.raw(false).pluck(false).expand(false);
    } else {
      statement = compile(source);
      if (statements.size >= CACHED_STATEMENTS) statements.delete(statements.keys().next().value!);
    }
    statements.set(source, statement);
    return statement;
  }) as typeof client.prepare;
}

/** Opens (and creates) a SQLite file, or `:memory:`, tuned for one writer and many readers. */
export function openSqlite(path: string): SqliteDatabase {
  const client = new BetterSqlite3(path);
  client.pragma("journal_mode = WAL");
  // WAL + NORMAL: durable across application crashes, one fsync per checkpoint rather than per commit.
  client.pragma("synchronous = NORMAL");
  client.pragma("busy_timeout = 5000");
  client.pragma("foreign_keys = ON");
  // Reads straight from the mapped file: a look-up of a page SQLite does not hold costs no read()
  // system call (profiled: a random login look-up went from 81 to 42 µs on a 100k-binding file).
  // Writes still go through the WAL as before.
  if (path !== ":memory:") client.pragma(`mmap_size = ${MMAP_BYTES}`);
  reusePreparedStatements(client);
  const orm = drizzle({ client, schema });
  const dialect = new SQLiteSyncDialect();
  return {
    orm: orm as unknown as Orm,
    client,
    async atomic(statements: readonly Statement[]): Promise<StatementResult[]> {
      // better-sqlite3 is synchronous: the whole transaction runs without yielding, as D1's batch does.
      return client.transaction(() =>
        statements.map((statement): StatementResult => {
          const query = toQuery(statement, dialect);
          const prepared = client.prepare(query.sql);
          if (prepared.reader) {
            // A statement with RETURNING: each row it returns is a row it changed.
            const rows = prepared.all(...query.params) as Record<string, unknown>[];
            return { rows, changes: rows.length };
          }
          return { rows: [], changes: prepared.run(...query.params).changes };
        }),
      )();
    },
    close: () => client.close(),
  };
}

const SHARD_MIGRATIONS_TABLE = "__drizzle_migrations_shard";

/**
 * Files made before the control plane and the shards had their own migration histories hold the
 * shard tables already, created by the one old migration that the control history's first entry
 * replaces (same time stamp, so drizzle counts it applied). The shard history's first entry made
 * exactly those tables: it is recorded as applied, and the later shard migrations run as usual.
 */
function adoptTablesOfSingleHistory(client: BetterSqlite3.Database, shardFolder: string): void {
  const exists = (name: string) =>
    client.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(name) !== undefined;
  if (!exists("bindings") || exists(SHARD_MIGRATIONS_TABLE)) return;
  const [first] = readMigrationFiles({ migrationsFolder: shardFolder });
  client.exec(
    `create table ${SHARD_MIGRATIONS_TABLE} (id integer primary key, hash text not null, created_at numeric)`,
  );
  client
    .prepare(`insert into ${SHARD_MIGRATIONS_TABLE} (hash, created_at) values (?, ?)`)
    .run(first!.hash, first!.folderMillis);
}

/** Applies both histories to the one file: the control plane's, then the shard's. */
export function migrateSqlite(database: SqliteDatabase, migrationsRoot: string): void {
  const orm = drizzle({ client: database.client });
  migrate(orm, { migrationsFolder: join(migrationsRoot, "control") });
  const shardFolder = join(migrationsRoot, "shard");
  adoptTablesOfSingleHistory(database.client, shardFolder);
  migrate(orm, { migrationsFolder: shardFolder, migrationsTable: SHARD_MIGRATIONS_TABLE });
}

/**
 * The shard tables of the same file, as a ShardStore. Transactions are IMMEDIATE: they take the
 * write lock when they begin, so a read inside one cannot be overtaken by another connection's
 * write (the sweeper thread's) before this one writes.
 */
export function shardStoreOf(database: SqliteDatabase): ShardStore {
  const { client } = database;
  return {
    orm: drizzle({ client, schema: shardSchema }) as unknown as ShardOrm,
    transaction: (run) => client.transaction(run).immediate(),
  };
}
