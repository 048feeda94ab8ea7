/**
 * checkins: empty distributed/read from many enrolled hosts, each request with the next host's
 * node key (autocannon cycling through one request per host), against raw node:http answering
 * {"queries":{}}; and the commits the server made to its SQLite file meanwhile.
 */
import type autocannon from 'autocannon';
import { createPool, settle } from './lib/agents.js';
import type { Benchmark, BenchOutput } from './lib/context.js';
import { watchCommits } from './lib/db-writes.js';
import { alternate, cpuNote, load, type LoadResult } from './lib/load.js';
import { startService, type Service } from './lib/proc.js';
import { note, progress } from './lib/progress.js';
import { atLeast, atMost, figure, ratioAtLeast, type Figure } from './lib/report.js';
import { json, startFleetgraph } from './lib/server.js';
import { ratios, stat } from './lib/stats.js';

const READ = '/api/osquery/distributed/read';

export const checkins: Benchmark = {
  name: 'checkins',
  summary: 'empty distributed/read with rotating node keys vs raw node:http; database commits per check-in',
  async run(ctx): Promise<BenchOutput> {
    const hosts = ctx.num('hosts', 50_000, 1_000);
    const duration = ctx.num('duration', 10, 1);
    const connections = ctx.num('connections', 10, 10);
    const slices = ctx.num('slices', 5, 1);
    const figures: Figure[] = [];
    const notes: string[] = [];
    const server = await startFleetgraph({ logLevel: ctx.logLevel, cpuProfDir: ctx.cpuProfDir });
    let baseline: Service | undefined;
    try {
      note(`checkins: enrolling ${hosts} hosts`);
      const pool = createPool({ server: server.url, hosts, concurrency: 100, intervalMs: 10_000 });
      await settle(pool);
      const keys = pool.agents.map((a) => a.nodeKey!);
      await pool.close();
      const first = await json(server.url, 'POST', READ, { body: { node_key: keys[0] } });
      if (JSON.stringify(first) !== '{"queries":{}}') throw new Error(`a settled host's read is not empty: ${JSON.stringify(first).slice(0, 300)}`);
      baseline = await startService('checkins baseline', 'bench/baselines/checkins.ts');

      const requests: autocannon.Request[] = keys.map((k) => ({
        method: 'POST',
        path: READ,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ node_key: k }),
      }));
      const run = (target: { url: string; pid: number }, seconds: number, from = 0) =>
        load({ url: target.url, pid: target.pid, connections, duration: seconds, requests: from === 0 ? requests : [...requests.slice(from), ...requests.slice(0, from)] });
      // Every autocannon connection starts the sequence at its beginning, so a slice of measured
      // load reads only the first few thousand hosts, over and over. Each of the server's slices
      // starts a share further along the hosts, and the warm-up hands each request the next host,
      // once for every host: a fleet checks in every few seconds, so all of its hosts are known to
      // a running server, not just the first ones.
      const sliceStart = (turn: number) => Math.floor((turn * requests.length) / slices) % requests.length;
      progress('  warm-up: every host once', true);
      let nextHost = 0;
      const everyHost: autocannon.Request[] = [
        { ...requests[0]!, setupRequest: (req) => ({ ...req, body: requests[nextHost++ % requests.length]!.body }) },
      ];
      await load({ url: server.url, pid: server.pid, connections, duration: 600, amount: keys.length, requests: everyHost });
      await run(server, Math.min(duration / 2, 2));
      await run(baseline, Math.min(duration / 2, 2));
      await server.profiler?.start();
      const s: LoadResult[] = [];
      const b: LoadResult[] = [];
      const commitsPerK: number[] = [];
      const commitsPerSecond: number[] = [];
      for (let i = 0; i < ctx.runs; i++) {
        progress(`  run ${i + 1}/${ctx.runs}`, true);
        const watch = await watchCommits(server.dbPath);
        const [measured, raw] = await alternate((t, turn) => run(server, t, sliceStart(turn)), (t) => run(baseline!, t), duration, slices);
        // The last seen-time batch lands during a baseline slice or the wait; each server slice
        // leaves one such batch, which the note's commits per second include.
        await new Promise((r) => setTimeout(r, 1100));
        const { commits } = await watch.stop();
        s.push(measured);
        b.push(raw);
        commitsPerK.push((1000 * commits) / measured.requests);
        commitsPerSecond.push(commits / measured.seconds);
      }
      if (server.profiler) notes.push(await server.profiler.stop('checkins'));
      const failures = s.reduce((n, r) => n + r.failures, 0);
      figures.push(
        figure({
          name: 'empty distributed/read req/s',
          unit: 'req/s',
          value: stat(s.map((r) => r.rps)),
          baseline: stat(b.map((r) => r.rps)),
          ratio: ratios(
            s.map((r) => r.rps),
            b.map((r) => r.rps),
          ),
          goals: [atLeast(5000), ratioAtLeast(0.5)],
          note: `${cpuNote(s.at(-1)!, b.at(-1)!)}${failures ? `; ${failures} failed requests` : ''}`,
        }),
        figure({
          name: 'empty distributed/read p99',
          unit: 'ms',
          value: stat(s.map((r) => r.p99)),
          baseline: stat(b.map((r) => r.p99)),
          ratio: ratios(
            s.map((r) => r.p99),
            b.map((r) => r.p99),
          ),
        }),
        figure({
          name: 'SQLite commits per 1,000 check-ins',
          unit: 'commits',
          value: stat(commitsPerK),
          goals: [{ ...atMost(5), target: '≈ 0 (< 5: no write per check-in)' }],
          note: `${stat(commitsPerSecond)!.median.toFixed(1)} commits/s seen by polling PRAGMA data_version (a lower bound; one write per check-in would show hundreds per second)`,
        }),
      );
    } finally {
      await baseline?.stop();
      await server.shutdown();
    }
    return { setup: { hosts, connections, 'seconds per run': duration, 'slices per run': slices, runs: ctx.runs }, figures, notes };
  },
};
