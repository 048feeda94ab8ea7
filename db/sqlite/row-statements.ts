/**
 * Statements for the hottest paths, prepared once from drizzle's own SQL and run on
 * better-sqlite3 directly: whole-row reads (an agent's node key on every check-in, a page of
 * hosts) decoded column by column without drizzle's generic per-row mapping, and writes run
 * thousands of times per apply, bound positionally. Values still go through their columns'
 * encoders and decoders (dates, booleans, JSON); only the per-call lookups are gone.
 */
import { Column, getTableColumns, Param, Placeholder, type SQLWrapper, type Table } from 'drizzle-orm';
import type { SqliteDb } from './db.js';

type Buildable = SQLWrapper & { toSQL(): { sql: string; params: unknown[] } };

type Encoder = { mapToDriverValue(value: unknown): unknown };

/**
 * The query's SQL and, in binding order, how to get each bound value from the named parameters:
 * a placeholder (encoded by its column where drizzle knows it, as for inserted values) or a
 * constant drizzle bound itself (a column default).
 */
function binders(query: Buildable): { sql: string; bind(params: Record<string, unknown>): unknown[] } {
  const built = query.toSQL();
  const each = built.params.map((param): ((params: Record<string, unknown>) => unknown) => {
    const wrapped = param instanceof Param ? param : undefined;
    const value = wrapped ? wrapped.value : param;
    if (!(value instanceof Placeholder)) return () => value;
    const encoder = wrapped?.encoder as Encoder | undefined;
    const name = value.name;
    return encoder ? (params) => encode(encoder, params[name]) : (params) => params[name];
  });
  return { sql: built.sql, bind: (params) => each.map((b) => b(params)) };
}

const encode = (encoder: Encoder, value: unknown): unknown => (value === null || value === undefined ? null : encoder.mapToDriverValue(value));

export type RowStatement<Row> = {
  all(params: Record<string, unknown>): Row[];
  get(params: Record<string, unknown>): Row | undefined;
};

/**
 * A function turning one raw row (values in column order) into a row object. It is compiled from
 * the column list so that every row is one object literal with fixed keys: filling an object key
 * by key in a loop made each store a megamorphic lookup (a page of 100 full hosts: 0.49 ms, now
 * 0.41). Keys come from our own schema, never from input; columns whose driver value is already
 * the value (text, plain integers) are copied without a call.
 */
function rowDecoder(columns: [string, Column][]): (values: unknown[]) => Record<string, unknown> {
  const decoders = columns.map(([, column]) => (value: unknown) => column.mapFromDriverValue(value));
  const fields = columns.map(([key, column], i) => {
    const identity = column.mapFromDriverValue === Column.prototype.mapFromDriverValue;
    return `${JSON.stringify(key)}: ${identity ? `v[${i}]` : `v[${i}] === null ? null : d[${i}](v[${i}])`}`;
  });
  const compile = new Function('d', `return (v) => ({ ${fields.join(', ')} });`) as (d: typeof decoders) => (values: unknown[]) => Record<string, unknown>;
  return compile(decoders);
}

/**
 * `query` must select every column of `table` in its declared order (`db.select().from(table)`,
 * which is what drizzle does), with named placeholders for its parameters.
 */
export function prepareRows<T extends Table>(db: SqliteDb, table: T, query: Buildable): RowStatement<T['$inferSelect']> {
  return preparePicked(db, getTableColumns(table), query) as RowStatement<T['$inferSelect']>;
}

/**
 * The same for some columns: `query` must select exactly `columns`, in their order here
 * (`db.select(columns)` does).
 */
export function preparePicked(db: SqliteDb, columns: Record<string, Column>, query: Buildable): RowStatement<Record<string, unknown>> {
  const { sql, bind } = binders(query);
  const statement = db.$client.prepare(sql).raw(true);
  const decode = rowDecoder(Object.entries(columns));
  return {
    all: (params) => (statement.all(...bind(params)) as unknown[][]).map(decode),
    get: (params) => {
      const values = statement.get(...bind(params)) as unknown[] | undefined;
      return values && decode(values);
    },
  };
}

/**
 * A write (insert, upsert) prepared once and bound positionally: for statements run thousands of
 * times in one transaction, where drizzle's mapping of named placeholders on every run is most of
 * the statement's own cost.
 */
export function prepareWrite(db: SqliteDb, query: Buildable): { run(params: Record<string, unknown>): void } {
  const { sql, bind } = binders(query);
  const statement = db.$client.prepare(sql);
  return {
    run: (params) => {
      statement.run(...bind(params));
    },
  };
}
