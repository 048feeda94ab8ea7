/**
 * One campaign answered by a pool of simulated agents while subscribers watch, on fleetgraph or on
 * the baseline relay, reduced to loss, latency and throughput.
 */
import { checkInOnce, type AgentPool } from './agents.js';
import { cpuShare } from './proc.js';
import { progress } from './progress.js';
import { percentile } from './stats.js';
import { drain, type Kind, type Subscriber } from './subscribers.js';

export type Side = {
  label: string;
  pid: number;
  pool: AgentPool;
  /** Starts a campaign and its subscribers; resolves once every subscriber is in place. */
  open(): Promise<Subscriber[]>;
};

export type CampaignRun = {
  results: number;
  rows: number;
  /** Rows written by agents that the worst subscriber did not receive. */
  lostWorst: number;
  lostTotal: number;
  p50: number;
  p99: number;
  p99ByKind: Partial<Record<Kind, number>>;
  /** Results written ÷ seconds from the first agent request to the last delivery. */
  resultsPerSecond: number;
  serverCpu: number;
  loaderCpu: number;
  errors: string[];
  subscribers: Subscriber[];
};

export async function answerCampaign(side: Side, opts: { spreadMs: number; stallMs?: number; keepOpen?: boolean }): Promise<CampaignRun> {
  const subs = await side.open();
  const early = subs.filter((s) => s.error);
  if (early.length > 0) {
    for (const s of subs) s.close();
    throw new Error(`${side.label}: subscribers failed before the campaign: ${early[0]!.kind} ${early[0]!.error}`);
  }
  const { counters } = side.pool;
  const rows0 = counters.liveQueryRows;
  const results0 = counters.liveQueryResults;
  const started = Date.now();
  let agentsDone = false;
  const measured = await cpuShare(side.pid, async () => {
    const agents = checkInOnce(side.pool, opts.spreadMs).finally(() => (agentsDone = true));
    await drain(subs, () => counters.liveQueryResults - results0, () => agentsDone, {
      stallMs: opts.stallMs ?? 15_000,
      onTick: (received) =>
        progress(
          `    ${side.label}: ${(counters.liveQueryResults - results0).toLocaleString('en-US')}/${side.pool.agents.length.toLocaleString('en-US')} answered, ${received.toLocaleString('en-US')} results delivered`,
        ),
    });
    return agents;
  });
  const results = counters.liveQueryResults - results0;
  const rows = counters.liveQueryRows - rows0;
  const lastAt = Math.max(...subs.map((s) => s.lastAt));
  const all = subs.flatMap((s) => s.latencies);
  const p99ByKind: Partial<Record<Kind, number>> = {};
  for (const kind of new Set(subs.map((s) => s.kind))) p99ByKind[kind] = percentile(subs.filter((s) => s.kind === kind).flatMap((s) => s.latencies), 99);
  const lost = subs.map((s) => Math.max(0, rows - s.rows));
  if (!opts.keepOpen) for (const s of subs) s.close();
  return {
    results,
    rows,
    lostWorst: Math.max(...lost),
    lostTotal: lost.reduce((a, b) => a + b, 0),
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    p99ByKind,
    resultsPerSecond: results / Math.max(0.001, (lastAt - started) / 1000),
    serverCpu: measured.server,
    loaderCpu: measured.loader,
    errors: [...new Set(subs.filter((s) => s.error).map((s) => `${s.kind}: ${s.error}`))],
    subscribers: subs,
  };
}
