import { drizzle } from "drizzle-orm/d1";
import type { Database, Orm, Statement } from "./database.js";
import { schema } from "./schema.js";

export function openD1(binding: D1Database): Database {
  const orm = drizzle(binding, { schema });
  return {
    orm: orm as unknown as Orm,
    driver: "d1",
    async atomic(statements: readonly Statement[]) {
      if (statements.length === 0) return [];
      // D1's batch runs its statements as one transaction: all apply, or none.
      return orm.batch(statements as [Statement, ...Statement[]]);
    },
  };
}
