import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type Database from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';

export type SqliteDb = BetterSQLite3Database & { $client: Database.Database };

/**
 * `expr IN (values)` with the whole list bound as one JSON parameter, so a list of any length
 * stays under SQLite's limit on bound variables (32766).
 */
export const inList = (expr: SQLWrapper, values: readonly (number | string)[]): SQL =>
  sql`${expr} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;

/**
 * `expr IN (list)` for a prepared statement: the list is bound at run time to the placeholder
 * `name`, as JSON (pass `JSON.stringify(values)`), so one statement serves every list.
 */
export const inPlaceholderList = (expr: SQLWrapper, name: string): SQL =>
  sql`${expr} IN (SELECT value FROM json_each(${sql.placeholder(name)}))`;

/** `expr NOT IN (values)`, the list bound as one JSON parameter. */
export const notInList = (expr: SQLWrapper, values: readonly (number | string)[]): SQL =>
  sql`${expr} NOT IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
