/**
 * reads: three read paths under autocannon against a raw node:http + better-sqlite3 handler that
 * answers the same JSON from the same SQLite file: GET /spec/queries with 1,000 saved queries,
 * GraphQL savedQueries, and GraphQL hosts(first: 100) with labels at 10,000 hosts.
 */
import { isDeepStrictEqual } from 'node:util';
import { createPool, settle } from './lib/agents.js';
import type { Benchmark, BenchOutput } from './lib/context.js';
import { alternate, cpuNote, load, type LoadResult } from './lib/load.js';
import { startService, type Service } from './lib/proc.js';
import { note, progress } from './lib/progress.js';
import { figure, ratioAtLeast, ratioAtMost, type Figure } from './lib/report.js';
import { json, startFleetgraph } from './lib/server.js';
import { querySpecs } from './lib/specs.js';
import { ratios, stat } from './lib/stats.js';

const SAVED_QUERIES =
  'query SavedQueries { savedQueries { id name description query interval platform minOsqueryVersion observerCanRun automationsEnabled logging } }';
const HOSTS = 'query Hosts($first: Int!) { hosts(first: $first) { totalCount edges { node { id hostname platform osVersion status labels { id name } } } } }';

type Target = { name: string; method: 'GET' | 'POST'; path: string; body?: string; rpsShare: number };

const TARGETS: Target[] = [
  { name: 'REST GET /spec/queries', method: 'GET', path: '/api/v1/fleet/spec/queries', rpsShare: 0.7 },
  {
    name: 'GraphQL savedQueries',
    method: 'POST',
    path: '/graphql',
    body: JSON.stringify({ operationName: 'SavedQueries', query: SAVED_QUERIES }),
    rpsShare: 0.5,
  },
  {
    name: 'GraphQL hosts(first: 100) + labels',
    method: 'POST',
    path: '/graphql',
    body: JSON.stringify({ operationName: 'Hosts', query: HOSTS, variables: { first: 100 } }),
    rpsShare: 0.5,
  },
];

async function answer(url: string, token: string, t: Target): Promise<unknown> {
  const res = await fetch(url + t.path, {
    method: t.method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: t.body,
  });
  return res.json();
}

export const reads: Benchmark = {
  name: 'reads',
  summary: 'GET /spec/queries, GraphQL savedQueries and hosts(first: 100) with labels vs raw node:http + better-sqlite3',
  async run(ctx): Promise<BenchOutput> {
    const hosts = ctx.num('hosts', 10_000, 1_000);
    const queries = ctx.num('queries', 1_000, 1_000);
    const duration = ctx.num('duration', 10, 1);
    const connections = ctx.num('connections', 10, 10);
    const slices = ctx.num('slices', 5, 1);
    const figures: Figure[] = [];
    const notes: string[] = [];
    const server = await startFleetgraph({ logLevel: ctx.logLevel, cpuProfDir: ctx.cpuProfDir });
    let baseline: Service | undefined;
    try {
      note(`reads: applying ${queries} saved queries, enrolling ${hosts} hosts`);
      await json(server.url, 'POST', '/api/v1/fleet/spec/queries', { token: server.token, body: { specs: querySpecs('saved', queries) } });
      const pool = createPool({ server: server.url, hosts, concurrency: 100, intervalMs: 3_600_000 });
      await settle(pool);
      await pool.close();
      baseline = await startService('reads baseline', 'bench/baselines/reads.ts', { args: [server.dbPath] });
      const headers = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };

      for (const t of TARGETS) {
        const [mine, theirs] = await Promise.all([answer(server.url, server.token, t), answer(baseline.url, server.token, t)]);
        const same = isDeepStrictEqual(mine, theirs);
        if (!same) notes.push(`${t.name}: the baseline's JSON differs from the server's (${JSON.stringify(mine).slice(0, 200)} vs ${JSON.stringify(theirs).slice(0, 200)})`);
        const bytes = JSON.stringify(mine).length;
        const run = (target: { url: string; pid: number }, seconds: number) =>
          load({ url: target.url, pid: target.pid, connections, duration: seconds, method: t.method, path: t.path, headers, body: t.body });
        progress(`  ${t.name}: warm-up`, true);
        await run(server, Math.min(duration / 2, 2));
        await run(baseline, Math.min(duration / 2, 2));
        await server.profiler?.start();
        const s: LoadResult[] = [];
        const b: LoadResult[] = [];
        for (let i = 0; i < ctx.runs; i++) {
          progress(`  ${t.name}: run ${i + 1}/${ctx.runs}`, true);
          const [ours, raw] = await alternate((x) => run(server, x), (x) => run(baseline!, x), duration, slices);
          s.push(ours);
          b.push(raw);
        }
        const cpu = cpuNote(s.at(-1)!, b.at(-1)!);
        if (server.profiler) notes.push(`${t.name}: ${await server.profiler.stop(`reads-${TARGETS.indexOf(t) + 1}`)}`);
        const failures = s.reduce((n, r) => n + r.failures, 0) + b.reduce((n, r) => n + r.failures, 0);
        figures.push(
          figure({
            name: `${t.name} req/s`,
            unit: 'req/s',
            value: stat(s.map((r) => r.rps)),
            baseline: stat(b.map((r) => r.rps)),
            ratio: ratios(
              s.map((r) => r.rps),
              b.map((r) => r.rps),
            ),
            goals: [ratioAtLeast(t.rpsShare)],
            note: `${(bytes / 1024).toFixed(1)} KB per answer${same ? ', same JSON as the baseline' : ''}; ${cpu}${failures ? `; ${failures} failed requests` : ''}`,
          }),
          figure({
            name: `${t.name} p99`,
            unit: 'ms',
            value: stat(s.map((r) => r.p99)),
            baseline: stat(b.map((r) => r.p99)),
            ratio: ratios(
              s.map((r) => r.p99),
              b.map((r) => r.p99),
            ),
            goals: [ratioAtMost(2)],
          }),
        );
      }
    } finally {
      await baseline?.stop();
      await server.shutdown();
    }
    return { setup: { hosts, 'saved queries': queries, connections, 'seconds per run': duration, 'slices per run': slices, runs: ctx.runs }, figures, notes };
  },
};
