import { is, SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import type { Database, Orm, Statement } from "./database.js";
import { schema } from "./schema.js";

interface PreparedBuilder {
  getQuery(): { sql: string; params: unknown[] };
  mapResult(result: unknown, isFromBatch: boolean): unknown;
}

export function openD1(binding: D1Database): Database {
  const orm = drizzle(binding, { schema });
  const dialect = new SQLiteAsyncDialect();
  return {
    orm: orm as unknown as Orm,
    driver: "d1",
    async atomic(statements: readonly Statement[]) {
      if (statements.length === 0) return [];
      // D1's batch runs its statements as one transaction: all apply, or none. drizzle's own
      // batch cannot bind parameters of raw SQL items, so the batch is assembled here.
      const prepared = statements.map((statement) => {
        if (is(statement, SQL)) {
          const query = dialect.sqlToQuery(statement);
          return { d1: binding.prepare(query.sql).bind(...query.params), builder: undefined };
        }
        const builder = (statement as unknown as { _prepare(): PreparedBuilder })._prepare();
        const query = builder.getQuery();
        return { d1: binding.prepare(query.sql).bind(...query.params), builder };
      });
      const results = await binding.batch(prepared.map((item) => item.d1));
      return results.map((result, index) => {
        const builder = prepared[index]!.builder;
        return builder ? builder.mapResult(result, true) : result;
      });
    },
  };
}
