/**
 * One campaign answered by a pool of simulated agents while subscribers watch, on fleetgraph or on
 * the baseline relay, reduced to loss, latency and throughput.
 */
import { LIVE_PREFIX } from '../../simulator/answers.js';
import { checkInOnce, type AgentPool } from './agents.js';
import { cpuShare } from './proc.js';
import { progress } from './progress.js';
import { percentile } from './stats.js';
import { drain, type Kind, type Subscriber } from './subscribers.js';

export type Side = {
  label: string;
  pid: number;
  pool: AgentPool;
  /**
   * Starts a campaign and its subscribers; resolves once every subscriber is in place, with the
   * live query name the agents answer it under.
   */
  open(): Promise<{ subscribers: Subscriber[]; query: string }>;
};

/** The name agents answer campaign `id` under (fleetgraph's and the relay's alike). */
export const liveQueryName = (id: number) => `${LIVE_PREFIX}${id}`;

export type CampaignRun = {
  results: number;
  rows: number;
  /** Rows written by agents (answering this campaign) that the worst subscriber did not receive. */
  lostWorst: number;
  /** Agents whose check-in failed (no answer written), and what they were told. */
  agentFailures: { failures: number; errors: string[] };
  lostTotal: number;
  p50: number;
  p99: number;
  p99ByKind: Partial<Record<Kind, number>>;
  /** Results written ÷ seconds from the first agent request to the last delivery. */
  resultsPerSecond: number;
  serverCpu: number;
  /** Results ÷ the server's CPU seconds over the run: its capacity had it been the only limit. */
  resultsPerCpuSecond: number;
  loaderCpu: number;
  errors: string[];
  subscribers: Subscriber[];
};

export async function answerCampaign(side: Side, opts: { spreadMs: number; stallMs?: number; keepOpen?: boolean }): Promise<CampaignRun> {
  const { subscribers: subs, query } = await side.open();
  const early = subs.filter((s) => s.error);
  if (early.length > 0) {
    for (const s of subs) s.close();
    throw new Error(`${side.label}: subscribers failed before the campaign: ${early[0]!.kind} ${early[0]!.error}`);
  }
  // Counted by this campaign's name: an agent whose check-in failed in an earlier run still owes
  // that campaign an answer, and gives it (as osquery would) alongside this one.
  const answered = () => side.pool.answers.get(query) ?? { results: 0, rows: 0 };
  const started = Date.now();
  let agentsDone = false;
  const measured = await cpuShare(side.pid, async () => {
    const agents = checkInOnce(side.pool, opts.spreadMs).finally(() => (agentsDone = true));
    await drain(subs, () => answered().results, () => agentsDone, {
      stallMs: opts.stallMs ?? 15_000,
      onTick: (received) =>
        progress(
          `    ${side.label}: ${answered().results.toLocaleString('en-US')}/${side.pool.agents.length.toLocaleString('en-US')} answered, ${received.toLocaleString('en-US')} results delivered`,
        ),
    });
    return agents;
  });
  const { results, rows } = answered();
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
    agentFailures: measured.result,
    lostTotal: lost.reduce((a, b) => a + b, 0),
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    p99ByKind,
    resultsPerSecond: results / Math.max(0.001, (lastAt - started) / 1000),
    serverCpu: measured.server,
    resultsPerCpuSecond: results / Math.max(0.001, measured.server * measured.seconds),
    loaderCpu: measured.loader,
    errors: [...new Set(subs.filter((s) => s.error).map((s) => `${s.kind}: ${s.error}`))],
    subscribers: subs,
  };
}
