/** HTTP load through autocannon (programmatic), reduced to the figures the suite reports. */
import autocannon from 'autocannon';
import { cpuSeconds } from './proc.js';
import { stat } from './stats.js';

export type LoadResult = {
  /** Requests per second: completed requests over the measured seconds. */
  rps: number;
  /** Seconds from autocannon's start (its requests built) to its end. */
  seconds: number;
  p50: number;
  p99: number;
  requests: number;
  /** Connection errors, timeouts and non-2xx answers; figures with any are suspect. */
  failures: number;
  /** CPU share (1 = one core) of the target process and of this one while requests were sent. */
  cpu: { target: number; loader: number };
};

export type LoadOptions = {
  url: string;
  /** The process answering, whose CPU share is measured over the run. */
  pid: number;
  connections: number;
  /** Seconds. */
  duration: number;
  /** Stop after this many requests instead of after `duration`. */
  amount?: number;
  method?: 'GET' | 'POST';
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  /** A sequence each connection cycles through (e.g. one request per node key). */
  requests?: autocannon.Request[];
};

export function load(o: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // CPU is measured from autocannon's `start` (after it has built its requests) to its end.
    let started = { at: 0, target: 0, loader: process.cpuUsage() };
    const instance = autocannon(
      {
        url: o.url + (o.path ?? ''),
        connections: o.connections,
        duration: o.duration,
        ...(o.amount === undefined ? {} : { amount: o.amount }),
        method: o.method ?? 'GET',
        headers: o.headers,
        body: o.body,
        requests: o.requests,
        timeout: 30,
      },
      (err, result) => {
        if (err) return reject(err);
        const seconds = (performance.now() - started.at) / 1000;
        const used = process.cpuUsage(started.loader);
        resolve({
          rps: result.requests.total / seconds,
          seconds,
          p50: result.latency.p50,
          p99: result.latency.p99,
          requests: result.requests.total,
          failures: result.errors + result.timeouts + result.non2xx,
          cpu: { target: (cpuSeconds(o.pid) - started.target) / seconds, loader: (used.user + used.system) / 1e6 / seconds },
        });
      },
    );
    instance.on('start', () => {
      started = { at: performance.now(), target: cpuSeconds(o.pid), loader: process.cpuUsage() };
    });
  });
}

/**
 * One paired run of `duration` seconds a side: the two sides take turns in `slices` slices each
 * (A B, then B A, so a steady drift in the machine's speed favours neither), and each side's
 * slices are added up. This machine's speed was seen to change by half within a minute; whole runs
 * one after the other put such a change between the two sides of a ratio, slices spread it over
 * both. A side's p99 is its worst slice's, so a tail that hit one slice is not voted away; p50 is
 * the median slice's. `turn` is the slice's index on that side.
 */
export async function alternate(
  a: (seconds: number, turn: number) => Promise<LoadResult>,
  b: (seconds: number, turn: number) => Promise<LoadResult>,
  duration: number,
  slices: number,
): Promise<[LoadResult, LoadResult]> {
  const n = Math.max(1, Math.round(slices));
  const seconds = duration / n;
  // autocannon ends a run on its one-second tick: a fractional slice would run to the next second.
  if (!Number.isInteger(seconds)) throw new Error(`--duration ${duration} is not a whole number of seconds per slice with --slices ${n}`);
  const ofA: LoadResult[] = [];
  const ofB: LoadResult[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      ofA.push(await a(seconds, i));
      ofB.push(await b(seconds, i));
    } else {
      ofB.push(await b(seconds, i));
      ofA.push(await a(seconds, i));
    }
  }
  return [combine(ofA), combine(ofB)];
}

function combine(parts: LoadResult[]): LoadResult {
  const seconds = parts.reduce((t, p) => t + p.seconds, 0);
  const requests = parts.reduce((t, p) => t + p.requests, 0);
  const weighted = (f: (p: LoadResult) => number) => parts.reduce((t, p) => t + f(p) * p.seconds, 0) / seconds;
  return {
    rps: requests / seconds,
    seconds,
    p50: stat(parts.map((p) => p.p50))?.median ?? NaN,
    p99: Math.max(...parts.map((p) => p.p99)),
    requests,
    failures: parts.reduce((t, p) => t + p.failures, 0),
    cpu: { target: weighted((p) => p.cpu.target), loader: weighted((p) => p.cpu.loader) },
  };
}

const pct = (x: number) => `${Math.round(x * 100)} %`;

/** "CPU in the last run: …" for a pair of runs against the server and its baseline. */
export const cpuNote = (server: LoadResult, baseline: LoadResult): string =>
  `CPU in the last run: server ${pct(server.cpu.target)}, baseline ${pct(baseline.cpu.target)}, load generator ${pct(server.cpu.loader)} / ${pct(baseline.cpu.loader)} (against server / baseline)`;
