import { drizzle } from "drizzle-orm/d1";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import { controlSchema as schema } from "./control-schema.js";
import { type Database, type Orm, type Statement, type StatementResult, toQuery } from "./database.js";

export function openD1(binding: D1Database): Database {
  const orm = drizzle(binding, { schema });
  const dialect = new SQLiteAsyncDialect();
  return {
    orm: orm as unknown as Orm,
    async atomic(statements: readonly Statement[]): Promise<StatementResult[]> {
      if (statements.length === 0) return [];
      // D1's batch runs its statements as one transaction: all apply, or none. drizzle's own
      // batch cannot bind parameters of raw SQL items, so the batch is assembled here.
      const prepared = statements.map((statement) => {
        const query = toQuery(statement, dialect);
        return binding.prepare(query.sql).bind(...query.params);
      });
      const results = await binding.batch<Record<string, unknown>>(prepared);
      return results.map((result) => ({ rows: result.results ?? [], changes: result.meta.changes ?? 0 }));
    },
  };
}
