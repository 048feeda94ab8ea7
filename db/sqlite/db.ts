import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';

export type SqliteDb = BetterSQLite3Database;

/**
 * `expr IN (values)` with the whole list bound as one JSON parameter, so a list of any length
 * stays under SQLite's limit on bound variables (32766).
 */
export const inList = (expr: SQLWrapper, values: readonly (number | string)[]): SQL =>
  sql`${expr} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;

/** `expr NOT IN (values)`, the list bound as one JSON parameter. */
export const notInList = (expr: SQLWrapper, values: readonly (number | string)[]): SQL =>
  sql`${expr} NOT IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
