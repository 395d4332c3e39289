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
