/**
 * apply: 10,000 query specs in one POST /spec/queries and in one GraphQL applyQuerySpecs, each
 * first as new queries and then re-applied unchanged, against raw better-sqlite3 upserts of the
 * same rows in one transaction on the same file. Wall time is request sent → answer received.
 */
import type { Benchmark, BenchOutput } from './lib/context.js';
import { startService, type Service } from './lib/proc.js';
import { note, progress } from './lib/progress.js';
import { atMost, figure, ratioAtLeast, type Figure } from './lib/report.js';
import { json, startFleetgraph, type Fleetgraph } from './lib/server.js';
import { querySpecs, toGraphQLSpecs } from './lib/specs.js';
import { ratios, Samples, stat } from './lib/stats.js';

const MUTATION = 'mutation Apply($specs: [QuerySpecInput!]!) { applyQuerySpecs(specs: $specs) { queries { created updated } } }';

type Counts = { created: number; updated: number };

/** Sends one pre-serialized body and returns the wall time in ms; throws unless it was applied. */
async function timed(server: Fleetgraph, path: string, body: string, check: (reply: unknown) => void): Promise<number> {
  const started = performance.now();
  const res = await fetch(server.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body,
  });
  const text = await res.text();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`POST ${path} → ${res.status}: ${text.slice(0, 300)}`);
  check(text === '' ? undefined : JSON.parse(text));
  return ms;
}

const expectCounts = (want: Counts) => (reply: unknown) => {
  const r = reply as { data?: { applyQuerySpecs?: { queries?: Counts } }; errors?: unknown };
  const got = r.data?.applyQuerySpecs?.queries;
  if (!got || got.created !== want.created || got.updated !== want.updated) throw new Error(`applyQuerySpecs answered ${JSON.stringify(reply).slice(0, 300)}`);
};

export const apply: Benchmark = {
  name: 'apply',
  summary: '10,000 query specs in one POST /spec/queries and one GraphQL mutation, new then unchanged, vs raw upserts',
  async run(ctx): Promise<BenchOutput> {
    const n = ctx.num('specs', 10_000, 2_000);
    const figures: Figure[] = [];
    const notes: string[] = [];
    const server = await startFleetgraph({ logLevel: ctx.logLevel, cpuProfDir: ctx.cpuProfDir });
    let baseline: Service | undefined;
    try {
      baseline = await startService('apply baseline', 'bench/baselines/apply.ts', { args: [server.dbPath] });
      const base = baseline;
      const raw = async (prefix: string) => {
        const newMs = ((await json(base.url, 'POST', '/upsert', { body: { prefix, count: n } })) as { ms: number }).ms;
        const sameMs = ((await json(base.url, 'POST', '/upsert', { body: { prefix, count: n } })) as { ms: number }).ms;
        return { newMs, sameMs };
      };
      const rest = async (prefix: string) => {
        const body = JSON.stringify({ specs: querySpecs(prefix, n) });
        const ok = () => undefined;
        return { newMs: await timed(server, '/api/v1/fleet/spec/queries', body, ok), sameMs: await timed(server, '/api/v1/fleet/spec/queries', body, ok), bytes: body.length };
      };
      const gql = async (prefix: string) => {
        const body = JSON.stringify({ query: MUTATION, variables: { specs: toGraphQLSpecs(querySpecs(prefix, n)) } });
        return {
          newMs: await timed(server, '/graphql', body, expectCounts({ created: n, updated: 0 })),
          sameMs: await timed(server, '/graphql', body, expectCounts({ created: 0, updated: n })),
          bytes: body.length,
        };
      };
      note(`apply: ${n} specs per apply, warm-up`);
      await rest('warm-rest');
      await gql('warm-gql');
      await raw('warm-raw');
      await server.profiler?.start();
      const s = new Samples();
      let bytes = { rest: 0, gql: 0 };
      for (let i = 0; i < ctx.runs; i++) {
        progress(`  apply run ${i + 1}/${ctx.runs}`, true);
        const r = await rest(`rest-${i}`);
        const g = await gql(`gql-${i}`);
        const b = await raw(`raw-${i}`);
        bytes = { rest: r.bytes, gql: g.bytes };
        for (const [k, v] of Object.entries({ restNew: r.newMs, restSame: r.sameMs, gqlNew: g.newMs, gqlSame: g.sameMs, rawNew: b.newMs, rawSame: b.sameMs })) {
          s.add(k, v);
        }
      }
      if (server.profiler) notes.push(await server.profiler.stop('apply'));
      const perSecond = (ms: number[]) => ms.map((x) => n / (x / 1000));
      const phases = [
        ['REST POST /spec/queries, new', 'restNew', 'rawNew'],
        ['REST POST /spec/queries, unchanged', 'restSame', 'rawSame'],
        ['GraphQL applyQuerySpecs, new', 'gqlNew', 'rawNew'],
        ['GraphQL applyQuerySpecs, unchanged', 'gqlSame', 'rawSame'],
      ] as const;
      for (const [name, mine, theirs] of phases) {
        figures.push(
          figure({ name: `${name}: wall`, unit: 'ms', value: s.stat(mine), baseline: s.stat(theirs), goals: [atMost(1000, ' ms')] }),
          figure({
            name: `${name}: rows/s`,
            unit: 'rows/s',
            value: stat(perSecond(s.get(mine))),
            baseline: stat(perSecond(s.get(theirs))),
            ratio: ratios(perSecond(s.get(mine)), perSecond(s.get(theirs))),
            goals: [ratioAtLeast(0.3)],
          }),
        );
      }
      notes.push(
        `request bodies: REST ${(bytes.rest / 2 ** 20).toFixed(1)} MB, GraphQL ${(bytes.gql / 2 ** 20).toFixed(1)} MB; the baseline times only its transaction (no HTTP, no JSON, no validation)`,
      );
    } finally {
      await baseline?.stop();
      await server.shutdown();
    }
    return { setup: { specs: n, runs: ctx.runs }, figures, notes };
  },
};
