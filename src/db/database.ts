import type { BatchItem } from "drizzle-orm/batch";
import type { SQL } from "drizzle-orm";
import type { BaseSQLiteDatabase } from "drizzle-orm/sqlite-core";
import type { schema } from "./schema.js";

/** A drizzle database on either driver; every call on it is awaited, whichever it is. */
export type Orm = BaseSQLiteDatabase<"sync" | "async", unknown, typeof schema>;

/** A query builder, or raw SQL where the builder cannot say it (INSERT … SELECT … ON CONFLICT). */
export type Statement = BatchItem<"sqlite"> | SQL;

export interface Database {
  readonly orm: Orm;
  readonly driver: "better-sqlite3" | "d1";
  /**
   * Runs the statements as one all-or-nothing unit: a D1 `batch`, or a better-sqlite3
   * transaction. D1 has no interactive transactions, so nothing may be read between them:
   * conditions belong in the SQL. Returns each statement's rows (for `returning` statements).
   */
  atomic(statements: readonly Statement[]): Promise<unknown[]>;
}

/** D1 binds at most 100 parameters per statement. */
export const MAX_BOUND_PARAMETERS = 100;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
