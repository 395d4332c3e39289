import { is, type Query, SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { BaseSQLiteDatabase, SQLiteDialect } from "drizzle-orm/sqlite-core";
import type { controlSchema as schema } from "./control-schema.js";

/** A drizzle database on either driver; every call on it is awaited, whichever it is. */
export type Orm = BaseSQLiteDatabase<"sync" | "async", unknown, typeof schema>;

/** A query builder, or raw SQL where the builder cannot say it (INSERT … SELECT … ON CONFLICT). */
export type Statement = BatchItem<"sqlite"> | SQL;

/** What one statement did, the same on every driver: its rows (for `returning`) and rows changed. */
export interface StatementResult {
  rows: Record<string, unknown>[];
  changes: number;
}

export interface Database {
  readonly orm: Orm;
  /**
   * Runs the statements as one all-or-nothing unit: a D1 `batch`, or a better-sqlite3
   * transaction. D1 has no interactive transactions, so nothing may be read between them:
   * conditions belong in the SQL.
   */
  atomic(statements: readonly Statement[]): Promise<StatementResult[]>;
}

/**
 * The SQL text and driver-ready parameters of a statement, through drizzle's public `toSQL()`
 * (or the dialect, for raw SQL): the one place a driver learns what a statement says.
 */
export function toQuery(statement: Statement, dialect: SQLiteDialect): Query {
  if (is(statement, SQL)) return dialect.sqlToQuery(statement);
  return (statement as unknown as { toSQL(): Query }).toSQL();
}

/** D1 binds at most 100 parameters per statement. */
export const MAX_BOUND_PARAMETERS = 100;

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

type Placeholder = ReturnType<typeof sql.placeholder>;
interface PreparedAll {
  all(values: Record<string, unknown>): unknown;
}
const preparedByDatabase = new WeakMap<object, Map<string, unknown>>();

/** Builds something from `db` once per name and keeps it as long as the database lives: prepared statements. */
export function preparedOnce<D extends object, T>(db: D, name: string, build: (db: D) => T): T {
  let prepared = preparedByDatabase.get(db);
  if (!prepared) {
    prepared = new Map();
    preparedByDatabase.set(db, prepared);
  }
  if (!prepared.has(name)) prepared.set(name, build(db));
  return prepared.get(name) as T;
}

/** The widths look-ups are prepared at: a lone key does not pay for a hundred placeholders. */
const LOOKUP_WIDTHS = [1, 8, 32];

/**
 * A look-up over many keys, as statements prepared once per database at a few fixed widths:
 * each chunk binds the smallest width that holds it (padding repeats its first key, harmless in
 * an IN list), so a 1000-number request neither rebuilds nor re-prepares its SQL, and a single
 * number binds one placeholder. `width` plus the statement's other parameters must stay within
 * D1's 100.
 */
export async function lookupMany<Row>(
  db: Database,
  name: string,
  width: number,
  build: (db: Database, keys: Placeholder[]) => PreparedAll,
  keys: readonly string[],
  params: Record<string, unknown> = {},
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const part of chunk(keys, width)) {
    const size = LOOKUP_WIDTHS.find((candidate) => candidate < width && candidate >= part.length) ?? width;
    const statement = preparedOnce(db, `lookup:${name}/${size}`, (db) =>
      build(
        db,
        Array.from({ length: size }, (_, index) => sql.placeholder(`key${index}`)),
      ),
    );
    const values: Record<string, unknown> = { ...params };
    for (let index = 0; index < size; index++) values[`key${index}`] = part[index] ?? part[0];
    rows.push(...((await statement.all(values)) as Row[]));
  }
  return rows;
}
