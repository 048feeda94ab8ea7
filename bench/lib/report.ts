/** Figures, their targets, the table printed per benchmark and the JSON written with --json. */
import type { Stat } from './stats.js';

export type Figure = {
  /** What was measured, e.g. "GET /spec/queries". */
  name: string;
  unit: string;
  /** fleetgraph's figure over the runs (null when it could not be measured). */
  value: Stat | null;
  baseline?: Stat | null;
  /** value ÷ baseline, per paired run. */
  ratio?: Stat | null;
  target?: string;
  /** Whether the median meets the target; null when there is no target or no figure. */
  met?: boolean | null;
  note?: string;
};

export type BenchReport = {
  name: string;
  /** What ran: the scale and the settings that matter for reading the figures. */
  setup: Record<string, string | number | boolean>;
  figures: Figure[];
  notes: string[];
  seconds: number;
  error?: string;
};

const group = (n: number, digits: number) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** A number with as many decimals as its size deserves. */
export function num(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  return group(n, a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : a >= 0.01 ? 3 : a === 0 ? 0 : 4);
}

export function fmtStat(s: Stat | null | undefined, unit = ''): string {
  if (!s) return '–';
  const u = unit === '%' ? '%' : '';
  if (s.runs.length === 1 || s.min === s.max) return `${num(s.median)}${u}`;
  return `${num(s.median)}${u} (${num(s.min)}–${num(s.max)})`;
}

const pad = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - [...s].length));

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (r: string[]) => `| ${r.map((c, i) => pad(c, widths[i]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

const metText = (m: boolean | null | undefined) => (m === true ? 'met' : m === false ? 'MISSED' : '');

/** The report of one benchmark as a Markdown-compatible table with its set-up and notes. */
export function formatReport(r: BenchReport): string {
  const setup = Object.entries(r.setup)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toLocaleString('en-US') : String(v)}`)
    .join(', ');
  const out = [`## ${r.name}  (${setup}; ${num(r.seconds)} s)`];
  if (r.error) out.push(`CRASHED: ${r.error}`);
  if (r.figures.length > 0) {
    const rows = [['figure', 'unit', 'fleetgraph median (min–max)', 'baseline', 'ratio', 'target', '']];
    for (const f of r.figures) {
      rows.push([f.name, f.unit, fmtStat(f.value), fmtStat(f.baseline), fmtStat(f.ratio), f.target ?? '', metText(f.met)]);
    }
    out.push(table(rows));
  }
  for (const n of [...r.figures.filter((f) => f.note).map((f) => `${f.name}: ${f.note}`), ...r.notes]) out.push(`- ${n}`);
  return out.join('\n');
}

export type Goal = { target: string; check: (v: number) => boolean; on?: 'value' | 'ratio' };

/** Target helpers, checked against a figure's median (`on: 'ratio'` for the ratio's). */
export const atLeast = (min: number, unit = ''): Goal => ({ target: `≥ ${num(min)}${unit}`, check: (v) => v >= min });
export const atMost = (max: number, unit = ''): Goal => ({ target: `≤ ${num(max)}${unit}`, check: (v) => v <= max });
export const ratioAtLeast = (min: number): Goal => ({ target: `ratio ≥ ${min.toFixed(2)}`, check: (v) => v >= min, on: 'ratio' });
export const ratioAtMost = (max: number): Goal => ({ target: `ratio ≤ ${num(max)}`, check: (v) => v <= max, on: 'ratio' });

/** A figure whose targets (all must hold) are checked against the medians. */
export function figure(f: Omit<Figure, 'met' | 'target'> & { goals?: Goal[] }): Figure {
  const { goals = [], ...rest } = f;
  if (goals.length === 0) return rest;
  const results = goals.map((g) => {
    const subject = g.on === 'ratio' ? f.ratio : f.value;
    return subject ? g.check(subject.median) : null;
  });
  return {
    ...rest,
    target: goals.map((g) => g.target).join('; '),
    met: results.includes(null) ? null : results.every(Boolean),
  };
}
