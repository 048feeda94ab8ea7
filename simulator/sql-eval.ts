import type { Row } from './host-profile.js';

/**
 * Just enough SQL to answer the simple statements labels, discovery checks and live queries
 * are made of: `SELECT <list> FROM <table> [WHERE <ors of ands of col op literal>]`. Anything
 * richer is reported as not understood so callers can fall back to a stable guess instead of
 * pretending to run it.
 */

export interface SelectItem {
  /** Column read from the row; null for literals and expressions we do not evaluate. */
  column: string | null;
  /** Key in the output row (alias, column, or the expression text as SQLite names it). */
  key: string;
  literal?: string;
  star?: boolean;
}

export interface SimpleSelect {
  items: SelectItem[];
  table: string | null;
  where: string | null;
  /** JOINs, subqueries, GROUP BY...: the statement is only partly understood. */
  complex: boolean;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Replaces quoted literals with placeholders so keyword and operator scans ignore them. */
function maskLiterals(sql: string): { masked: string; literals: string[] } {
  const literals: string[] = [];
  const masked = sql.replace(/'((?:[^']|'')*)'|"((?:[^"]|"")*)"/g, (_m, single?: string, double?: string) => {
    literals.push(single !== undefined ? single.replace(/''/g, "'") : (double ?? '').replace(/""/g, '"'));
    return `\uE000${literals.length - 1}\uE000`;
  });
  return { masked, literals };
}

function unmask(text: string, literals: readonly string[]): string {
  return text.replace(/\uE000(\d+)\uE000/g, (_m, i: string) => `'${(literals[Number(i)] ?? '').replace(/'/g, "''")}'`);
}

/** Splits at separators outside parentheses; word separators need whitespace before them. */
function splitTopLevel(text: string, separator: RegExp, word = false): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && (!word || /\s/.test(text[i - 1] ?? ''))) {
      const m = separator.exec(text.slice(i));
      if (m) {
        parts.push(text.slice(start, i));
        i += m[0].length - 1;
        start = i + 1;
      }
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

/** True for `(a) ...(b)` only when the first parenthesis closes at the very end. */
function wrappedInParens(text: string): boolean {
  if (!text.startsWith('(') || !text.endsWith(')')) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    if (depth === 0 && i < text.length - 1) return false;
  }
  return true;
}

function parseItem(raw: string, literals: readonly string[]): SelectItem {
  const text = raw.trim();
  if (text === '*' || /^[A-Za-z_]\w*\.\*$/.test(text)) return { column: null, key: '*', star: true };
  const alias = /^(.*?)\s+(?:as\s+)?([A-Za-z_]\w*)$/i.exec(text);
  const expr = alias ? (alias[1] ?? '').trim() : text;
  const key = alias ? (alias[2] ?? expr) : unmask(expr, literals);
  const bare = expr.includes('.') ? expr.slice(expr.lastIndexOf('.') + 1) : expr;
  if (IDENT.test(bare) && !/^(true|false|null)$/i.test(bare)) return { column: bare, key: alias ? key : bare };
  const literal = /^\uE000(\d+)\uE000$/.exec(expr);
  if (literal) return { column: null, key, literal: literals[Number(literal[1])] ?? '' };
  if (/^-?\d+(\.\d+)?$/.test(expr)) return { column: null, key, literal: expr };
  return { column: null, key };
}

export function parseSimpleSelect(sql: string): SimpleSelect | null {
  const { masked, literals } = maskLiterals(sql.replace(/--[^\n]*/g, ' ').trim().replace(/;\s*$/, ''));
  const m = /^select\s+(.+?)(?:\s+from\s+([A-Za-z_]\w*)(?:\s+(?:as\s+)?(?!(?:where|join|left|inner|cross|natural|group|order|limit|union)\b)[A-Za-z_]\w*)?(.*))?$/is.exec(masked);
  if (!m) return null;
  const [, list = '', table, tail = ''] = m;
  let where: string | null = null;
  let complex = /\(\s*select\b/i.test(masked);
  const rest = tail.trim();
  if (rest) {
    const w = /^where\s+(.*?)(\s+(?:group\s+by|order\s+by|limit)\b.*)?$/is.exec(rest);
    if (w) {
      where = unmask(w[1] ?? '', literals);
      if (w[2] && !/^\s*(?:order\s+by|limit)\b/i.test(w[2])) complex = true;
    } else if (!/^(?:order\s+by|limit)\b/i.test(rest)) {
      complex = true;
    }
  }
  const items = splitTopLevel(list, /^,/).map((item) => parseItem(item, literals));
  return { items, table: table ? table.toLowerCase() : null, where, complex };
}

type Literal = string | number | boolean | null;

interface Predicate {
  column: string;
  op: string;
  value: Literal | Literal[];
}

function parseLiteral(text: string): Literal | undefined {
  const t = text.trim();
  const quoted = /^'((?:[^']|'')*)'$/.exec(t) ?? /^"((?:[^"]|"")*)"$/.exec(t);
  if (quoted) return (quoted[1] ?? '').replace(/''/g, "'");
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (/^true$/i.test(t)) return true;
  if (/^false$/i.test(t)) return false;
  if (/^null$/i.test(t)) return null;
  return undefined;
}

function parsePredicate(text: string): Predicate | undefined {
  const m = /^(?:[A-Za-z_]\w*\.)?([A-Za-z_]\w*)\s*(=|==|!=|<>|>=|<=|>|<|not\s+like|like|not\s+in|in)\s*(.+)$/is.exec(text.trim());
  if (!m) return undefined;
  const column = (m[1] ?? '').toLowerCase();
  const op = (m[2] ?? '').toLowerCase().replace(/\s+/g, ' ');
  const rhs = (m[3] ?? '').trim();
  if (op === 'in' || op === 'not in') {
    const list = /^\((.*)\)$/s.exec(rhs);
    if (!list) return undefined;
    const { masked, literals } = maskLiterals(list[1] ?? '');
    const values = splitTopLevel(masked, /^,/).map((v) => parseLiteral(unmask(v, literals)));
    if (values.some((v) => v === undefined)) return undefined;
    return { column, op, value: values as Literal[] };
  }
  const value = parseLiteral(rhs);
  return value === undefined ? undefined : { column, op, value };
}

function likeToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${body}$`, 'is');
}

function asComparable(value: Literal): string | number {
  if (value === true) return 1;
  if (value === false) return 0;
  return value ?? '';
}

function compare(cell: string, value: Literal, op: string): boolean {
  const rhs = asComparable(value);
  const lhs: string | number = typeof rhs === 'number' && cell.trim() !== '' && !Number.isNaN(Number(cell)) ? Number(cell) : cell;
  switch (op) {
    case '=':
    case '==':
      return lhs === rhs || String(lhs) === String(rhs);
    case '!=':
    case '<>':
      return String(lhs) !== String(rhs);
    case '>':
      return lhs > rhs;
    case '<':
      return lhs < rhs;
    case '>=':
      return lhs >= rhs;
    case '<=':
      return lhs <= rhs;
    case 'like':
      return likeToRegExp(String(rhs)).test(cell);
    case 'not like':
      return !likeToRegExp(String(rhs)).test(cell);
    default:
      return false;
  }
}

function testPredicate(p: Predicate, row: Row): boolean | undefined {
  const cell = row[p.column];
  if (cell === undefined) return undefined;
  if (Array.isArray(p.value)) {
    const hit = p.value.some((v) => compare(cell, v, '='));
    return p.op === 'in' ? hit : !hit;
  }
  return compare(cell, p.value, p.op);
}

function evaluateConjunct(text: string, row: Row): boolean | undefined {
  if (wrappedInParens(text)) return evaluateWhere(text.slice(1, -1), row);
  const predicate = parsePredicate(text);
  return predicate ? testPredicate(predicate, row) : undefined;
}

/** true/false when every predicate could be checked against the row, undefined otherwise. */
export function evaluateWhere(where: string, row: Row): boolean | undefined {
  let text = where.trim();
  while (wrappedInParens(text)) text = text.slice(1, -1).trim();
  const { masked, literals } = maskLiterals(text);
  let result = false;
  for (const disjunct of splitTopLevel(masked, /^or\s/i, true)) {
    let all = true;
    for (const conjunct of splitTopLevel(disjunct, /^and\s/i, true)) {
      const outcome = evaluateConjunct(unmask(conjunct, literals), row);
      if (outcome === undefined) return undefined;
      all &&= outcome;
    }
    result ||= all;
  }
  return result;
}

/** Builds the output row for a SELECT list, the way SQLite names columns. */
export function project(items: readonly SelectItem[], row: Row, fallback: (column: string) => string): Row {
  const out: Row = {};
  for (const item of items) {
    if (item.star) Object.assign(out, row);
    else if (item.literal !== undefined) out[item.key] = item.literal;
    else if (item.column !== null) out[item.key] = row[item.column] ?? fallback(item.column);
    else out[item.key] = fallback(item.key);
  }
  return out;
}
