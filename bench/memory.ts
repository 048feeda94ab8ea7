/**
 * memory: (1) the server's RSS per idle graphql-ws subscriber with many subscribers connected to a
 * quiet campaign, against the same process before they connect; (2) one subscriber reading at
 * ~10 KB/s (through a throttling proxy) while agents stream a large campaign to it and to a few
 * normal subscribers: the RSS it adds over the same campaign without it, whether the server drops
 * it, and the normal subscribers' latency with and without it. Every measurement runs in a freshly
 * started server process (on the same database for part 2), so RSS is never inherited.
 */
import Database from 'better-sqlite3';
import { createPool, settle, type AgentPool } from './lib/agents.js';
import { answerCampaign, liveQueryName, type CampaignRun } from './lib/campaign.js';
import type { Benchmark, BenchOutput } from './lib/context.js';
import { cpuSeconds, rssBytes } from './lib/proc.js';
import { note, progress } from './lib/progress.js';
import { atMost, figure, type Figure } from './lib/report.js';
import { json, startFleetgraph, type Fleetgraph } from './lib/server.js';
import { stat } from './lib/stats.js';
import { graphqlWsSubscriber, subscribe, subscriberMix, type Kind, type Subscriber } from './lib/subscribers.js';
import { throttlingProxy } from './lib/throttle.js';
import { allHostsLabel } from './fanout.js';

const MB = 2 ** 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The median of a few RSS samples, so one GC moment does not decide. */
async function steadyRss(pid: number, samples = 5): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < samples; i++) {
    xs.push(rssBytes(pid));
    await sleep(200);
  }
  return stat(xs)!.median;
}

async function droppedSubscribers(server: Fleetgraph): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(/^fleetgraph_live_subscribers_dropped (\d+)/m.exec(text)?.[1] ?? NaN);
}

async function startCampaign(server: Fleetgraph, sql: string, selected: Record<string, number[]>): Promise<number> {
  const reply = (await json(server.url, 'POST', '/api/v1/fleet/queries/run', { token: server.token, body: { query: sql, selected } })) as {
    campaign: { id: number };
  };
  return reply.campaign.id;
}

async function connectAll(make: () => Subscriber, count: number, label: string): Promise<Subscriber[]> {
  const subs: Subscriber[] = [];
  const BATCH = 250;
  for (let i = 0; i < count; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - i) }, make);
    await Promise.all(batch.map((s) => s.ready));
    subs.push(...batch);
    progress(`    ${label}: ${subs.length.toLocaleString('en-US')}/${count.toLocaleString('en-US')} subscribed`);
  }
  const failed = subs.filter((s) => s.error || s.closed);
  if (failed.length > 0) throw new Error(`${failed.length} subscribers failed: ${failed[0]!.error ?? 'closed'}`);
  return subs;
}

type IdleRun = { before: number; after: number; perSubscriber: number; idleCpu: number };

async function idleRun(ctx: Parameters<Benchmark['run']>[0], count: number, notes?: string[]): Promise<IdleRun> {
  const server = await startFleetgraph({ logLevel: ctx.logLevel, cpuProfDir: notes ? ctx.cpuProfDir : undefined });
  const pool = createPool({ server: server.url, hosts: 1, concurrency: 1, intervalMs: 3_600_000 });
  try {
    await settle(pool);
    // One quiet campaign: its only host never checks in again.
    const id = await startCampaign(server, 'SELECT 1', { labels: [await allHostsLabel(server.url, server.token)] });
    const warm = await connectAll(() => graphqlWsSubscriber(server.url, server.token, id), 50, 'warm-up');
    for (const s of warm) s.close();
    await sleep(1000);
    const before = await steadyRss(server.pid);
    const subs = await connectAll(() => graphqlWsSubscriber(server.url, server.token, id), count, 'idle graphql-ws');
    await sleep(ctx.quick ? 1000 : 2000);
    const after = await steadyRss(server.pid);
    const window = ctx.quick ? 2 : 5;
    await server.profiler?.start();
    const cpu0 = cpuSeconds(server.pid);
    await sleep(window * 1000);
    const idleCpu = (cpuSeconds(server.pid) - cpu0) / window;
    if (server.profiler) notes?.push(`idle subscribers: ${await server.profiler.stop('memory-idle')}`);
    for (const s of subs) s.close();
    return { before, after, perSubscriber: (after - before) / count, idleCpu };
  } finally {
    await pool.close();
    await server.shutdown();
  }
}

type StreamRun = CampaignRun & { rssBefore: number; rssPeak: number; dropped: number; droppedAfterS: number; slowBytes: number };

export const memory: Benchmark = {
  name: 'memory',
  summary: 'RSS per idle graphql-ws subscriber; a ~10 KB/s reader on a large campaign: RSS it adds, dropped?',
  async run(ctx): Promise<BenchOutput> {
    const idle = ctx.num('subscribers', 10_000, 500);
    // The stream must be far larger than the kernel's socket buffers (several MB on loopback), or a
    // slow reader never pushes back: --quick makes up for fewer rows with bigger ones.
    const streamRows = ctx.num('stream-rows', 300_000, 150_000);
    const rows = ctx.num('rows', 10, 100);
    const slowRate = ctx.num('slow-rate', 10_240, 262_144);
    const slowKind = ctx.str('slow-protocol', 'graphql-ws') as Kind;
    const maxLag = ctx.num('max-lag', 10_000, 600);
    const concurrency = ctx.num('concurrency', 200, 100);
    if (!['graphql-ws', 'websocket', 'sockjs'].includes(slowKind)) throw new Error('--slow-protocol must be graphql-ws, websocket or sockjs');
    const figures: Figure[] = [];
    const notes: string[] = [];

    // Part 1: idle subscribers, a fresh server per run, each warmed up by 50 subscribers that come and go.
    note(`memory: ${idle} idle graphql-ws subscribers, a fresh server per run`);
    const idleRuns: IdleRun[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      progress(`  idle run ${i + 1}/${ctx.runs}`, true);
      idleRuns.push(await idleRun(ctx, idle, i === ctx.runs - 1 ? notes : undefined));
    }
    figures.push(
      figure({
        name: `server RSS, ${idle.toLocaleString('en-US')} idle subscribers`,
        unit: 'MB',
        value: stat(idleRuns.map((r) => r.after / MB)),
        baseline: stat(idleRuns.map((r) => r.before / MB)),
      }),
      figure({ name: 'RSS per idle graphql-ws subscriber', unit: 'KB', value: stat(idleRuns.map((r) => r.perSubscriber / 1024)), goals: [atMost(30, ' KB')] }),
      figure({ name: `server CPU while ${idle.toLocaleString('en-US')} subscribers idle`, unit: '% of a core', value: stat(idleRuns.map((r) => r.idleCpu * 100)) }),
    );

    // Part 2: a slow reader on a large campaign. Agents are enrolled once; each measurement restarts the server on that database.
    const hosts = Math.ceil(streamRows / rows);
    const sql = `SELECT * FROM bench_${rows}`;
    const env = {
      FLEETGRAPH_CAMPAIGN_MAX_ROWS: String(Math.max(250_000, hosts * rows)),
      FLEETGRAPH_SUBSCRIBER_MAX_LAG: String(maxLag),
    };
    note(`memory: enrolling ${hosts} agents answering ${rows} rows each (${streamRows} rows per campaign)`);
    const first = await startFleetgraph({ logLevel: ctx.logLevel, env, keep: true });
    const keys: string[] = [];
    let label = 0;
    try {
      const pool = createPool({ server: first.url, hosts, concurrency, intervalMs: 3_600_000 });
      await settle(pool);
      keys.push(...pool.agents.map((a) => a.nodeKey!));
      await pool.close();
      label = await allHostsLabel(first.url, first.token);
    } finally {
      await first.shutdown();
    }
    const reuse = { dir: first.dir, token: first.token };
    const normalKinds = subscriberMix(10);

    const streamRun = async (slow: boolean, profile = false): Promise<StreamRun> => {
      const server = await startFleetgraph({ logLevel: ctx.logLevel, env, reuse, keep: true, cpuProfDir: profile ? ctx.cpuProfDir : undefined });
      const pool: AgentPool = createPool({ server: server.url, hosts, concurrency, intervalMs: 3_600_000 });
      pool.agents.forEach((a, i) => (a.nodeKey = keys[i]!));
      const proxy = slow ? await throttlingProxy(server.url, slowRate) : undefined;
      try {
        // Warm-up in this process: a small campaign to the first 100 agents' hosts.
        const warmPool = { ...pool, agents: pool.agents.slice(0, 100) };
        const db = new Database(server.dbPath, { readonly: true });
        const byIdentifier = db.prepare('SELECT id FROM hosts WHERE osquery_host_id = ?').pluck();
        const warmIds = warmPool.agents.map((a) => byIdentifier.get(a.profile.hostIdentifier) as number);
        db.close();
        await answerCampaign(
          {
            label: 'warm-up',
            pid: server.pid,
            pool: warmPool,
            open: async () => {
              const id = await startCampaign(server, sql, { hosts: warmIds });
              const subs = normalKinds.map((k) => subscribe(k, server.url, server.token, id));
              await Promise.all(subs.map((s) => s.ready));
              return { subscribers: subs, query: liveQueryName(id) };
            },
          },
          { spreadMs: 0, stallMs: 5000 },
        );
        await server.profiler?.start();
        const rssBefore = await steadyRss(server.pid);
        const dropped0 = await droppedSubscribers(server);
        let rssPeak = rssBefore;
        let slowSub: Subscriber | undefined;
        const started = Date.now();
        let droppedAt = NaN;
        const sampler = setInterval(() => {
          rssPeak = Math.max(rssPeak, rssBytes(server.pid));
        }, 100);
        const dropWatch = setInterval(() => {
          void droppedSubscribers(server).then((n) => {
            if (n > dropped0 && Number.isNaN(droppedAt)) droppedAt = (Date.now() - started) / 1000;
          });
        }, 1000);
        try {
          const run = await answerCampaign(
            {
              label: slow ? 'with a slow reader' : 'without',
              pid: server.pid,
              pool,
              open: async () => {
                const id = await startCampaign(server, sql, { labels: [label] });
                const subs = normalKinds.map((k) => subscribe(k, server.url, server.token, id));
                if (proxy) slowSub = subscribe(slowKind, proxy.url, server.token, id);
                await Promise.all([...subs, ...(slowSub ? [slowSub] : [])].map((s) => s.ready));
                return { subscribers: subs, query: liveQueryName(id) };
              },
            },
            { spreadMs: 0 },
          );
          if (slow) {
            // The server notices the lag when the slow reader's stream next looks at the head; wait for it.
            const deadline = Date.now() + (ctx.quick ? 20_000 : 90_000);
            while (Number.isNaN(droppedAt) && Date.now() < deadline) {
              progress(`    waiting for the slow reader to be dropped (${Math.round((Date.now() - started) / 1000)} s, read ${((proxy?.bytes() ?? 0) / 1024).toFixed(0)} KB)`);
              await sleep(500);
            }
          }
          if (server.profiler) notes.push(`slow reader: ${await server.profiler.stop('memory-slow-reader')}`);
          return { ...run, rssBefore, rssPeak, dropped: (await droppedSubscribers(server)) - dropped0, droppedAfterS: droppedAt, slowBytes: proxy?.bytes() ?? 0 };
        } finally {
          clearInterval(sampler);
          clearInterval(dropWatch);
          slowSub?.close();
        }
      } finally {
        proxy?.close();
        await pool.close();
        await server.shutdown();
      }
    };

    try {
      const without: StreamRun[] = [];
      const withSlow: StreamRun[] = [];
      for (let i = 0; i < ctx.runs; i++) {
        progress(`  stream run ${i + 1}/${ctx.runs}: without the slow reader`, true);
        without.push(await streamRun(false));
        progress(`  stream run ${i + 1}/${ctx.runs}: with the slow reader`, true);
        withSlow.push(await streamRun(true, i === ctx.runs - 1));
      }
      const growth = (r: StreamRun) => (r.rssPeak - r.rssBefore) / MB;
      figures.push(
        figure({
          name: 'RSS growth during the campaign, with the slow reader',
          unit: 'MB',
          value: stat(withSlow.map(growth)),
          baseline: stat(without.map(growth)),
        }),
        figure({
          name: 'RSS the slow reader adds (difference)',
          unit: 'MB',
          value: stat(withSlow.map((r, i) => growth(r) - growth(without[i]!))),
          goals: [atMost(64, ' MB')],
        }),
        figure({ name: 'slow reader dropped', unit: 'runs', value: stat([withSlow.filter((r) => r.dropped > 0).length]), goals: [{ target: `all ${ctx.runs}`, check: (v) => v === ctx.runs }] }),
        figure({ name: 'seconds until it was dropped', unit: 's', value: stat(withSlow.map((r) => r.droppedAfterS)) }),
        figure({
          name: 'normal subscribers p99, with the slow reader',
          unit: 'ms',
          value: stat(withSlow.map((r) => r.p99)),
          baseline: stat(without.map((r) => r.p99)),
        }),
        figure({ name: 'rows lost by normal subscribers, with the slow reader', unit: 'rows', value: stat(withSlow.map((r) => r.lostWorst)), goals: [atMost(0)] }),
      );
      notes.push(
        `campaign: ${hosts.toLocaleString('en-US')} agents × ${rows} rows, all at once; 10 normal subscribers (8 graphql-ws, 1 WebSocket, 1 SockJS); slow reader: ${slowKind} through a proxy passing ${(slowRate / 1024).toFixed(0)} KB/s; FLEETGRAPH_SUBSCRIBER_MAX_LAG=${maxLag}, FLEETGRAPH_CAMPAIGN_MAX_ROWS=${env.FLEETGRAPH_CAMPAIGN_MAX_ROWS}`,
        `baseline for RSS growth and p99: the same campaign on a fresh server without the slow reader; RSS sampled every 100 ms; the slow reader read ${(withSlow.at(-1)!.slowBytes / 1024).toFixed(0)} KB in the last run`,
      );
      const errors = [...new Set([...without, ...withSlow].flatMap((r) => r.errors))];
      if (errors.length > 0) notes.push(`normal subscriber errors: ${errors.slice(0, 5).join('; ')}`);
    } finally {
      const { rmSync } = await import('node:fs');
      rmSync(reuse.dir, { recursive: true, force: true });
    }
    return {
      setup: { 'idle subscribers': idle, 'stream rows': streamRows, 'slow reader': `${slowKind} at ${(slowRate / 1024).toFixed(0)} KB/s`, runs: ctx.runs },
      figures,
      notes,
    };
  },
};
