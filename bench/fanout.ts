/**
 * fanout: simulated agents answer one campaign (10 rows each, every row carrying the agent's send
 * time) while subscribers watch: 80 % graphql-ws, 10 % Fleet's plain WebSocket, 10 % SockJS.
 * Baseline: a bare `ws` relay fed by the same simulator, sending the same answers to the same
 * number of plain `ws` subscribers. Two phases per run: every agent at once (capacity: results/s)
 * and the agents spread over one check-in interval (a fleet's real pace: latency).
 */
import { createPool, settle } from './lib/agents.js';
import { answerCampaign, liveQueryName, type CampaignRun, type Side } from './lib/campaign.js';
import type { Benchmark, BenchOutput } from './lib/context.js';
import { startService, type Service } from './lib/proc.js';
import { note, progress } from './lib/progress.js';
import { atMost, figure, num, ratioAtLeast, type Figure } from './lib/report.js';
import { json, startFleetgraph } from './lib/server.js';
import { ratios, stat } from './lib/stats.js';
import { relaySubscriber, subscribe, subscriberMix } from './lib/subscribers.js';

export async function allHostsLabel(url: string, token: string): Promise<number> {
  const reply = (await json(url, 'GET', '/api/v1/fleet/spec/labels/All%20Hosts', { token })) as { specs: { id: number } };
  return reply.specs.id;
}

export const fanout: Benchmark = {
  name: 'fanout',
  summary: 'agents answer one campaign, 80/10/10 graphql-ws/WebSocket/SockJS subscribers vs a bare ws relay',
  async run(ctx): Promise<BenchOutput> {
    const hosts = ctx.num('hosts', 10_000, 300);
    const subscribers = ctx.num('subscribers', 100, 20);
    const rows = ctx.num('rows', 10, 10);
    const interval = ctx.num('interval', 10, 1);
    const concurrency = ctx.num('concurrency', 200, 100);
    const figures: Figure[] = [];
    const notes: string[] = [];
    const sql = `SELECT * FROM bench_${rows}`;
    const server = await startFleetgraph({
      logLevel: ctx.logLevel,
      cpuProfDir: ctx.cpuProfDir,
      env: { FLEETGRAPH_CAMPAIGN_MAX_ROWS: String(Math.max(250_000, hosts * rows)) },
    });
    let relay: Service | undefined;
    const pools = [] as { close(): Promise<void> }[];
    try {
      relay = await startService('relay', 'bench/baselines/relay.ts');
      const relayUrl = relay.url;
      note(`fanout: enrolling ${hosts} agents on fleetgraph and on the relay`);
      const pool = createPool({ server: server.url, hosts, concurrency, intervalMs: 3_600_000 });
      const relayPool = createPool({ server: relay.url, hosts, concurrency, intervalMs: 3_600_000 });
      pools.push(pool, relayPool);
      await settle(pool);
      await settle(relayPool);
      const label = await allHostsLabel(server.url, server.token);
      const kinds = subscriberMix(subscribers);

      const fleetgraph: Side = {
        label: 'fleetgraph',
        pid: server.pid,
        pool,
        async open() {
          const reply = (await json(server.url, 'POST', '/api/v1/fleet/queries/run', {
            token: server.token,
            body: { query: sql, selected: { labels: [label] } },
          })) as { campaign: { id: number } };
          const subs = kinds.map((k) => subscribe(k, server.url, server.token, reply.campaign.id));
          await Promise.all(subs.map((s) => s.ready));
          return { subscribers: subs, query: liveQueryName(reply.campaign.id) };
        },
      };
      const baseline: Side = {
        label: 'baseline',
        pid: relay.pid,
        pool: relayPool,
        async open() {
          const { id } = (await json(relayUrl, 'POST', '/campaign', { body: { sql } })) as { id: number };
          const subs = kinds.map(() => relaySubscriber(relayUrl));
          await Promise.all(subs.map((s) => s.ready));
          return { subscribers: subs, query: liveQueryName(id) };
        },
      };

      progress('  warm-up', true);
      await answerCampaign(fleetgraph, { spreadMs: 0 });
      await answerCampaign(baseline, { spreadMs: 0 });
      await server.profiler?.start();
      const runs = { burst: [] as CampaignRun[], paced: [] as CampaignRun[], baseBurst: [] as CampaignRun[], basePaced: [] as CampaignRun[] };
      for (let i = 0; i < ctx.runs; i++) {
        progress(`  run ${i + 1}/${ctx.runs}: all at once`, true);
        runs.burst.push(await answerCampaign(fleetgraph, { spreadMs: 0 }));
        runs.baseBurst.push(await answerCampaign(baseline, { spreadMs: 0 }));
        progress(`  run ${i + 1}/${ctx.runs}: spread over ${interval} s`, true);
        runs.paced.push(await answerCampaign(fleetgraph, { spreadMs: interval * 1000 }));
        runs.basePaced.push(await answerCampaign(baseline, { spreadMs: interval * 1000 }));
      }
      if (server.profiler) notes.push(await server.profiler.stop('fanout'));

      const pick = (rs: CampaignRun[], f: (r: CampaignRun) => number) => rs.map(f);
      const pair = (name: string, unit: string, mine: CampaignRun[], theirs: CampaignRun[], f: (r: CampaignRun) => number, extra: Partial<Parameters<typeof figure>[0]> = {}) =>
        figure({ name, unit, value: stat(pick(mine, f)), baseline: stat(pick(theirs, f)), ...extra });
      figures.push(
        pair('rows lost, worst subscriber (all at once)', 'rows', runs.burst, runs.baseBurst, (r) => r.lostWorst, { goals: [atMost(0)] }),
        pair(`rows lost, worst subscriber (over ${interval} s)`, 'rows', runs.paced, runs.basePaced, (r) => r.lostWorst, { goals: [atMost(0)] }),
        pair(`write → subscriber p50 (over ${interval} s)`, 'ms', runs.paced, runs.basePaced, (r) => r.p50),
        pair(`write → subscriber p99 (over ${interval} s)`, 'ms', runs.paced, runs.basePaced, (r) => r.p99, { goals: [atMost(100, ' ms')] }),
        pair('write → subscriber p99 (all at once)', 'ms', runs.burst, runs.baseBurst, (r) => r.p99),
        pair('results/s delivered to every subscriber (all at once)', 'results/s', runs.burst, runs.baseBurst, (r) => r.resultsPerSecond, {
          ratio: ratios(
            pick(runs.burst, (r) => r.resultsPerSecond),
            pick(runs.baseBurst, (r) => r.resultsPerSecond),
          ),
          goals: [ratioAtLeast(0.5)],
        }),
        // When the load generator's core is the limit (its CPU near 100 %), results/s measures it;
        // results per server CPU second still compares the two servers' own costs.
        pair('results per server CPU second (all at once)', 'results/CPU s', runs.burst, runs.baseBurst, (r) => r.resultsPerCpuSecond, {
          ratio: ratios(
            pick(runs.burst, (r) => r.resultsPerCpuSecond),
            pick(runs.baseBurst, (r) => r.resultsPerCpuSecond),
          ),
        }),
      );
      const last = runs.burst.at(-1)!;
      const lastPaced = runs.paced.at(-1)!;
      const byKind = (r: CampaignRun) =>
        Object.entries(r.p99ByKind)
          .map(([k, v]) => `${k} ${num(v)} ms`)
          .join(', ');
      notes.push(
        `each run: ${hosts.toLocaleString('en-US')} results of ${rows} rows to ${subscribers} subscribers (${kinds.filter((k) => k === 'graphql-ws').length} graphql-ws, ${kinds.filter((k) => k === 'websocket').length} WebSocket, ${kinds.filter((k) => k === 'sockjs').length} SockJS; the baseline: as many plain ws); simulator concurrency ${concurrency}`,
        `p99 by protocol in the last run: all at once ${byKind(last)}; over ${interval} s ${byKind(lastPaced)}`,
        `CPU in the last all-at-once run: server ${Math.round(last.serverCpu * 100)} %, relay ${Math.round(runs.baseBurst.at(-1)!.serverCpu * 100)} %, load generator ${Math.round(last.loaderCpu * 100)} % / ${Math.round(runs.baseBurst.at(-1)!.loaderCpu * 100)} %`,
      );
      const saturated = (rs: CampaignRun[]) => rs.filter((r) => r.loaderCpu >= 0.95).length;
      const busy = { fleetgraph: saturated([...runs.burst, ...runs.paced]), baseline: saturated([...runs.baseBurst, ...runs.basePaced]) };
      if (busy.fleetgraph + busy.baseline > 0) {
        notes.push(
          `the load generator's core was saturated (≥ 95 %) in ${busy.fleetgraph} of fleetgraph's and ${busy.baseline} of the baseline's ${ctx.runs * 2} measured runs: there, results/s and latency are partly the generator's (its subscribers read late); results per server CPU second compares the servers themselves`,
        );
      }
      const errors = [...new Set([...runs.burst, ...runs.paced].flatMap((r) => r.errors))];
      if (errors.length > 0) notes.push(`subscriber errors: ${errors.slice(0, 5).join('; ')}`);
      for (const [side, all] of [['fleetgraph', [...runs.burst, ...runs.paced]], ['baseline', [...runs.baseBurst, ...runs.basePaced]]] as const) {
        const failed = all.reduce((n, r) => n + r.agentFailures.failures, 0);
        const told = [...new Set(all.flatMap((r) => r.agentFailures.errors))].slice(0, 3);
        if (failed > 0) notes.push(`${side}: ${failed} agent check-ins failed over the measured runs (${told.join('; ')}); those agents answer that campaign at their next check-in, which is not counted against the next run`);
      }
    } finally {
      await Promise.all(pools.map((p) => p.close()));
      await relay?.stop();
      await server.shutdown();
    }
    return { setup: { agents: hosts, subscribers, rows, 'interval s': interval, runs: ctx.runs }, figures, notes };
  },
};
