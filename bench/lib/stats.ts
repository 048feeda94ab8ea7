/** Summaries of repeated runs: the median with the range, and percentiles of latency samples. */
export type Stat = { median: number; min: number; max: number; runs: number[] };

export function stat(values: number[]): Stat | null {
  const xs = values.filter((x) => Number.isFinite(x));
  if (xs.length === 0) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, runs: xs };
}

/** Per-run ratios of paired runs (a[i] / b[i]), so a slow moment hits both sides of one ratio. */
export function ratios(a: number[], b: number[]): Stat | null {
  return stat(a.map((x, i) => x / (b[i] ?? NaN)));
}

/** The p-th percentile (0–100) of samples, nearest rank; NaN when there are none. */
export function percentile(samples: ArrayLike<number>, p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Collects one number per run under a name, for figures built from several measurements per run. */
export class Samples {
  private readonly data = new Map<string, number[]>();
  add(name: string, value: number): void {
    const list = this.data.get(name) ?? [];
    list.push(value);
    this.data.set(name, list);
  }
  get(name: string): number[] {
    return this.data.get(name) ?? [];
  }
  stat(name: string): Stat | null {
    return stat(this.get(name));
  }
}
