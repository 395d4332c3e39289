import { z } from "@hono/zod-openapi";
import { Problem } from "./problems.js";

export const LimitQuery = z.coerce
  .number()
  .int()
  .min(1)
  .max(100)
  .default(50)
  .openapi({ param: { name: "limit", in: "query" }, description: "Page size, 1 to 100.", example: 50 });

export const CursorQuery = z
  .string()
  .max(512)
  .optional()
  .openapi({ param: { name: "cursor", in: "query" }, description: "next_cursor from the previous page." });

export const NextCursor = z
  .string()
  .nullable()
  .openapi({ description: "Pass as ?cursor= for the next page; null on the last page." });

/** Cursors are opaque to callers: the last key seen, base64url-encoded. */
function encodeCursor(key: string | number): string {
  return btoa(JSON.stringify([key]))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replaceAll("=", "");
}

export function decodeCursor<T extends string | number>(
  cursor: string | undefined,
  type: "string" | "number",
): T | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [key] = JSON.parse(atob(cursor.replaceAll("-", "+").replaceAll("_", "/"))) as [unknown];
    if (typeof key === type) return key as T;
  } catch {
    // fall through to the same refusal as a wrong type
  }
  throw new Problem("INVALID_ARGUMENT", "cursor is not one this API returned", [
    { pointer: "?cursor", detail: "unknown cursor" },
  ]);
}

/** Fetch limit + 1 rows; the extra one only says whether there is a next page. */
export function page<T>(rows: T[], limit: number, keyOf: (row: T) => string | number) {
  const items = rows.slice(0, limit);
  return { items, next_cursor: rows.length > limit ? encodeCursor(keyOf(items[items.length - 1]!)) : null };
}

/**
 * The append-only logs (events, audit) page by entry id: `next_cursor` is the last id seen, and it
 * may come back as ?cursor= like every other list, or as ?after=, for a client that stored the id.
 */
export const LogQuery = z.object({
  after: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({ param: { name: "after", in: "query" }, description: "The last id seen: entries after it." }),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, "is not a cursor this API returned")
    .optional()
    .openapi({ param: { name: "cursor", in: "query" }, description: "next_cursor from the previous page." }),
  limit: LimitQuery,
});

/** Where a log page starts, from ?cursor= or ?after= (not both), and the page it makes of limit + 1 rows. */
export function logPage(query: z.infer<typeof LogQuery>) {
  if (query.after !== undefined && query.cursor !== undefined && Number(query.cursor) !== query.after) {
    throw new Problem("INVALID_ARGUMENT", "pass either ?cursor= or ?after=, not two different positions", [
      { pointer: "?cursor", detail: "conflicts with ?after" },
    ]);
  }
  return {
    after: query.cursor !== undefined ? Number(query.cursor) : query.after,
    page: <T extends { id: number }>(rows: T[]) => {
      const items = rows.slice(0, query.limit);
      return { items, next_cursor: rows.length > query.limit ? String(items[items.length - 1]!.id) : null };
    },
  };
}
