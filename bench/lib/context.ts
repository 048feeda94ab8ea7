/** What every benchmark gets: its scale (flags over defaults, small under --quick) and the run settings. */
import type { BenchReport } from './report.js';

export const SCALE_FLAGS = {
  hosts: 'simulated hosts (reads 10,000; checkins 50,000; fanout and completion 10,000)',
  queries: 'saved queries listed by `reads` (1,000)',
  specs: 'query specs per apply (10,000)',
  subscribers: 'subscribers (fanout 100 = 80 % graphql-ws, 10 % WebSocket, 10 % SockJS; memory 10,000 idle)',
  rows: 'rows per host answer (10; memory --quick: 100)',
  'stream-rows': 'rows the memory benchmark streams past a slow reader (300,000; --quick: 150,000 of 100 rows per host)',
  interval: 'check-in interval in seconds (completion 10; fanout paced phase 10)',
  duration: 'seconds of each autocannon run (10)',
  connections: 'autocannon connections (10)',
  slices: 'turns each side of an autocannon run takes, alternating with the other (5: 2 s slices of a 10 s run)',
  concurrency: 'simulated agent requests in flight (200)',
  'slow-rate': 'bytes per second the slow reader reads (10,240; --quick: 262,144)',
  'slow-protocol': 'protocol of the slow reader: graphql-ws, websocket or sockjs (graphql-ws)',
  'max-lag': 'FLEETGRAPH_SUBSCRIBER_MAX_LAG for the memory benchmark (server default 10,000; --quick: 600)',
} as const;

export type ScaleFlag = keyof typeof SCALE_FLAGS;

export type Context = {
  quick: boolean;
  /** Measured runs per figure (after one warm-up). */
  runs: number;
  logLevel: string;
  cpuProfDir?: string;
  /** The flag's value, else `full` (or `quick` under --quick). */
  num(flag: ScaleFlag, full: number, quick: number): number;
  str(flag: ScaleFlag, full: string, quick?: string): string;
};

export type BenchOutput = Omit<BenchReport, 'name' | 'seconds'>;

export type Benchmark = {
  name: string;
  summary: string;
  run(ctx: Context): Promise<BenchOutput>;
};

export function createContext(values: Record<string, string | boolean | undefined>, base: Omit<Context, 'num' | 'str'>): Context {
  return {
    ...base,
    num(flag, full, quick) {
      const raw = values[flag];
      if (typeof raw === 'string') {
        const n = Number(raw);
        if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag} must be a positive number, got "${raw}"`);
        return n;
      }
      return base.quick ? quick : full;
    },
    str(flag, full, quick) {
      const raw = values[flag];
      return typeof raw === 'string' ? raw : base.quick ? (quick ?? full) : full;
    },
  };
}
