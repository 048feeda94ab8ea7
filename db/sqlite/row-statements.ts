/**
 * Whole-row reads for the hottest lookups (an agent's node key on every check-in, a page of hosts),
 * prepared once and decoded without drizzle's generic per-row mapping: the SQL is still drizzle's,
 * built once from the query builder, and each value is still decoded by its own column (dates,
 * booleans, JSON), only looked up once per statement instead of on every row.
 */
import { getTableColumns, type Placeholder, type SQLWrapper, type Table } from 'drizzle-orm';
import type { SqliteDb } from './db.js';

type Buildable = SQLWrapper & { toSQL(): { sql: string; params: unknown[] } };

export type RowStatement<Row> = {
  all(params: Record<string, unknown>): Row[];
  get(params: Record<string, unknown>): Row | undefined;
};

/**
 * `query` must select every column of `table` in its declared order (`db.select().from(table)`,
 * which is what drizzle does), with named placeholders for its parameters.
 */
export function prepareRows<T extends Table>(db: SqliteDb, table: T, query: Buildable): RowStatement<T['$inferSelect']> {
  const columns = Object.entries(getTableColumns(table));
  const built = query.toSQL();
  const names = built.params.map((p) => {
    const name = (p as Placeholder).name;
    if (typeof name !== 'string') throw new Error('row statements take named placeholders only');
    return name;
  });
  const statement = db.$client.prepare(built.sql).raw(true);
  const decode = (values: unknown[]): T['$inferSelect'] => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) {
      const [key, column] = columns[i]!;
      const value = values[i];
      row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
    }
    return row as T['$inferSelect'];
  };
  const bind = (params: Record<string, unknown>) => names.map((n) => params[n]);
  return {
    all: (params) => (statement.all(...bind(params)) as unknown[][]).map(decode),
    get: (params) => {
      const values = statement.get(...bind(params)) as unknown[] | undefined;
      return values && decode(values);
    },
  };
}
