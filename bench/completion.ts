/**
 * completion: agents checking in at a fixed interval (10 s by default, the floor of any campaign),
 * a campaign from its creation (GraphQL runLiveQuery) to the `finished` status on a graphql-ws
 * subscriber; and the synchronous POST /api/v1/fleet/queries/:id/run {host_ids}, from the last
 * host's answer to the last byte of the response.
 */
import Database from 'better-sqlite3';
import type { ResultEvent } from '../simulator/index.js';
import { createPool, settle } from './lib/agents.js';
import type { Benchmark, BenchOutput } from './lib/context.js';
import { cpuShare } from './lib/proc.js';
import { note, progress } from './lib/progress.js';
import { atMost, figure, type Figure } from './lib/report.js';
import { graphql, json, startFleetgraph } from './lib/server.js';
import { Samples } from './lib/stats.js';
import { graphqlWsSubscriber } from './lib/subscribers.js';
import { allHostsLabel } from './fanout.js';

const RUN = 'mutation Run($sql: String!, $label: ID!) { runLiveQuery(query: $sql, selected: { labels: [$label] }) { id } }';
const LIVE = 'fleet_distributed_query_';

type Answers = { count: number; lastAck: number; lastSent: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const completion: Benchmark = {
  name: 'completion',
  summary: 'campaign creation → finished over agents at an interval (floor: the interval); synchronous REST run',
  async run(ctx): Promise<BenchOutput> {
    const hosts = ctx.num('hosts', 10_000, 300);
    const interval = ctx.num('interval', 10, 1);
    const rows = ctx.num('rows', 10, 10);
    const concurrency = ctx.num('concurrency', 200, 100);
    const figures: Figure[] = [];
    const notes: string[] = [];
    const sql = `SELECT * FROM bench_${rows}`;
    const answers = new Map<string, Answers>();
    const onResult = (e: ResultEvent) => {
      if (!e.name.startsWith(LIVE)) return;
      const a = answers.get(e.name) ?? { count: 0, lastAck: 0, lastSent: 0 };
      a.count += 1;
      a.lastAck = Math.max(a.lastAck, Date.now());
      a.lastSent = Math.max(a.lastSent, e.sentAtMs);
      answers.set(e.name, a);
    };
    const server = await startFleetgraph({
      logLevel: ctx.logLevel,
      cpuProfDir: ctx.cpuProfDir,
      env: { FLEETGRAPH_CAMPAIGN_MAX_ROWS: String(Math.max(250_000, hosts * rows)), FLEETGRAPH_SYNC_RUN_MAX_TIMEOUT: String(Math.max(120, interval * 5)) },
    });
    const pool = createPool({ server: server.url, hosts, concurrency, intervalMs: interval * 1000, onResult });
    try {
      note(`completion: enrolling ${hosts} agents that check in every ${interval} s`);
      await settle(pool);
      await json(server.url, 'POST', '/api/v1/fleet/spec/queries', { token: server.token, body: { specs: [{ name: 'bench-sync', query: sql }] } });
      const { savedQuery } = await graphql<{ savedQuery: { id: string } }>(server.url, server.token, 'query { savedQuery(name: "bench-sync") { id } }');
      const label = await allHostsLabel(server.url, server.token);
      const db = new Database(server.dbPath, { readonly: true });
      const hostIds = (db.prepare('SELECT id FROM hosts ORDER BY id').pluck().all() as number[]).slice(0, hosts);
      db.close();
      for (const a of pool.agents) a.start({ spreadFirstCheckIn: true });
      progress(`  agents starting (${Math.round(interval * 1.5)} s)`, true);
      await sleep(interval * 1500);

      const asyncRun = async () => {
        const started = Date.now();
        const { runLiveQuery } = await graphql<{ runLiveQuery: { id: string } }>(server.url, server.token, RUN, { sql, label: String(label) });
        const sub = graphqlWsSubscriber(server.url, server.token, Number(runLiveQuery.id));
        const deadline = started + interval * 3000 + 20_000;
        while (sub.finishedAt === undefined && !sub.closed && Date.now() < deadline) {
          progress(`    campaign ${runLiveQuery.id}: ${sub.results}/${hosts} results`);
          await sleep(20);
        }
        sub.close();
        const a = answers.get(LIVE + runLiveQuery.id) ?? { count: 0, lastAck: NaN, lastSent: NaN };
        if (sub.error) notes.push(`campaign ${runLiveQuery.id}: ${sub.error}`);
        return { finished: (sub.finishedAt ?? NaN) - started, lastAck: a.lastAck - started, afterLast: (sub.finishedAt ?? NaN) - a.lastAck, answered: a.count };
      };
      let syncBytes = 0;
      const syncRun = async () => {
        const before = new Set(answers.keys());
        // The readings below are this process's clock, and this process also runs the agents: a
        // ticker notes where its own event loop stalled, to tell its delays from the server's.
        const stalls: { from: number; to: number }[] = [];
        let tick = Date.now();
        const ticker = setInterval(() => {
          const now = Date.now();
          if (now - tick > 20) stalls.push({ from: tick, to: now });
          tick = now;
        }, 5);
        const started = Date.now();
        const chunks: Uint8Array[] = [];
        let status = 0;
        let done = 0;
        try {
          const res = await fetch(`${server.url}/api/v1/fleet/queries/${savedQuery.id}/run`, {
            method: 'POST',
            headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ host_ids: hostIds, timeout_seconds: interval * 4 }),
          });
          status = res.status;
          // The answer is sent while hosts answer: what counts is when its last byte came.
          const reader = res.body!.getReader();
          for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
          done = Date.now();
        } finally {
          clearInterval(ticker);
        }
        const text = Buffer.concat(chunks).toString('utf8');
        if (status !== 200) throw new Error(`sync run → ${status}: ${text.slice(0, 300)}`);
        const body = JSON.parse(text) as { responded_host_count?: number; targeted_host_count?: number };
        syncBytes = Buffer.byteLength(text);
        const name = [...answers.keys()].filter((k) => !before.has(k)).sort((x, y) => Number(y.slice(LIVE.length)) - Number(x.slice(LIVE.length)))[0];
        const a = (name && answers.get(name)) || { count: 0, lastAck: NaN, lastSent: NaN };
        // Stalled time of this process between the last answer's acknowledgement and the last byte.
        const stalled = stalls.reduce((n, x) => n + Math.max(0, Math.min(x.to, done) - Math.max(x.from, a.lastAck)), 0);
        return {
          total: done - started,
          afterAck: done - a.lastAck,
          afterSent: done - a.lastSent,
          loaderStalled: stalled,
          responded: body.responded_host_count ?? 0,
        };
      };

      progress('  warm-up', true);
      await asyncRun();
      await syncRun();
      await server.profiler?.start();
      const s = new Samples();
      let responded = 0;
      let answered = 0;
      for (let i = 0; i < ctx.runs; i++) {
        progress(`  run ${i + 1}/${ctx.runs}: campaign`, true);
        const measured = await cpuShare(server.pid, asyncRun);
        const a = measured.result;
        s.add('serverCpu', measured.server * 100);
        s.add('loaderCpu', measured.loader * 100);
        s.add('finished', a.finished);
        s.add('lastAck', a.lastAck);
        s.add('afterLast', a.afterLast);
        s.add('floor', interval * 1000);
        answered = a.answered;
        progress(`  run ${i + 1}/${ctx.runs}: synchronous run`, true);
        const synced = await cpuShare(server.pid, syncRun);
        const r = synced.result;
        s.add('syncServerCpu', synced.server * 100);
        s.add('syncTotal', r.total);
        s.add('syncAfterAck', r.afterAck);
        s.add('syncAfterSent', r.afterSent);
        s.add('syncLoaderStalled', r.loaderStalled);
        responded = r.responded;
      }
      if (server.profiler) notes.push(await server.profiler.stop('completion'));
      figures.push(
        figure({
          name: 'campaign creation → finished on a subscriber',
          unit: 'ms',
          value: s.stat('finished'),
          baseline: s.stat('floor'),
          goals: [atMost(interval * 1000 + 1000, ' ms (interval + 1 s)')],
        }),
        figure({ name: 'campaign creation → last agent answer acknowledged', unit: 'ms', value: s.stat('lastAck'), baseline: s.stat('floor') }),
        figure({ name: 'last agent answer acknowledged → finished', unit: 'ms', value: s.stat('afterLast') }),
        figure({ name: 'sync REST run: request → full response', unit: 'ms', value: s.stat('syncTotal'), baseline: s.stat('floor') }),
        figure({
          name: 'sync REST run: last answer acknowledged → last byte of the response',
          unit: 'ms',
          value: s.stat('syncAfterAck'),
          goals: [atMost(100, ' ms')],
        }),
        figure({ name: 'sync REST run: last answer sent → last byte of the response', unit: 'ms', value: s.stat('syncAfterSent') }),
        figure({ name: '… of "last answer acknowledged → last byte", the load generator stalled', unit: 'ms', value: s.stat('syncLoaderStalled') }),
      );
      notes.push(
        `CPU during the campaigns (median): server ${Math.round(s.stat('serverCpu')!.median)} %, load generator ${Math.round(s.stat('loaderCpu')!.median)} %; server during the synchronous runs ${Math.round(s.stat('syncServerCpu')!.median)} %; the synchronous run's answer: ${(syncBytes / 2 ** 20).toFixed(1)} MB`,
        `agents pause exactly ${interval} s after each check-in (as osquery does), so the last one comes about ${interval} s after creation plus its own request time; last run: ${answered}/${hosts} agents answered the campaign, the synchronous run reported ${responded}/${hosts} hosts`,
      );
    } finally {
      await pool.close();
      await server.shutdown();
    }
    return { setup: { agents: hosts, 'interval s': interval, rows, runs: ctx.runs }, figures, notes };
  },
};
