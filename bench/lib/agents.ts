/**
 * Simulated osquery agents (the project's simulator), driven step by step: enrolled and settled
 * (config plus a first check-in that answers the detail and label queries) before a benchmark, then
 * made to answer at the moments the benchmark chooses.
 */
import { answerQuery, createAgent, ENDPOINTS, generateHostProfiles, type ResultEvent, type SimulatedAgent } from '../../simulator/index.js';
import { createCounters, type FleetCounters } from '../../simulator/counters.js';
import { createHttpClient, type HttpClient } from '../../simulator/http-client.js';
import { createLimiter, type Limiter } from '../../simulator/limiter.js';
import { progress } from './progress.js';
import { ENROLL_SECRET } from './server.js';

export type AgentPool = {
  agents: SimulatedAgent[];
  http: HttpClient;
  counters: FleetCounters;
  /** Answers written successfully, by query name (a live query's name carries its campaign). */
  answers: Map<string, { results: number; rows: number }>;
  limiter: Limiter;
  close(): Promise<void>;
};

export type PoolOptions = {
  server: string;
  hosts: number;
  /** Requests in flight at once (and sockets). */
  concurrency: number;
  /** The interval the agents report (osquery_flags) and, once started, check in at. */
  intervalMs: number;
  seed?: number;
  onResult?: (e: ResultEvent) => void;
};

/** Creates the agents (no request yet). Profiles come from (seed, index), so pools with one seed are the same hosts. */
export function createPool(opts: PoolOptions): AgentPool {
  const counters = createCounters();
  const answers = new Map<string, { results: number; rows: number }>();
  const onResult = (e: ResultEvent) => {
    const seen = answers.get(e.name) ?? { results: 0, rows: 0 };
    seen.results += 1;
    seen.rows += e.answer.rows.length;
    answers.set(e.name, seen);
    opts.onResult?.(e);
  };
  const limiter = createLimiter(opts.concurrency);
  const http: HttpClient = createHttpClient({ server: opts.server, maxSockets: opts.concurrency, timeoutMs: 120_000 });
  const agents = generateHostProfiles(opts.hosts, { seed: opts.seed ?? 1 }).map((profile) =>
    createAgent(profile, {
      server: opts.server,
      enrollSecret: ENROLL_SECRET,
      http,
      limiter,
      counters,
      intervalMs: opts.intervalMs,
      logs: false,
      onResult,
    }),
  );
  return {
    agents,
    http,
    counters,
    answers,
    limiter,
    async close() {
      await Promise.all(agents.map((a) => a.stop()));
      http.close();
    },
  };
}

/** Runs `step` for every agent through the pool's limiter, showing progress. */
export async function forEachAgent(pool: AgentPool, label: string, step: (a: SimulatedAgent) => Promise<unknown>): Promise<void> {
  let done = 0;
  const total = pool.agents.length;
  const started = Date.now();
  await Promise.all(
    pool.agents.map((a) =>
      pool.limiter.run(async () => {
        await step(a);
        done += 1;
        const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
        progress(`  ${label} ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${Math.round(rate)}/s)`);
      }),
    ),
  );
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Enrolls every agent through the agent API (the simulator's enroll, with its host details), then
 * answers its first distributed read the cheap way: the label queries as the simulator would and,
 * of the detail queries, only osquery_flags. That marks details and labels fresh, so the host's
 * later reads are empty unless a campaign targets it. (The full detail answers, software lists and
 * all, would triple the set-up time without changing what the benchmarks measure.)
 */
export async function settle(pool: AgentPool): Promise<void> {
  await forEachAgent(pool, 'enrolling', async (a) => {
    const nodeKey = await a.enroll();
    const read = await pool.http.postJson(ENDPOINTS.read, { node_key: nodeKey });
    const queries = isRecord(read.body) && isRecord(read.body.queries) ? read.body.queries : {};
    const write = { node_key: nodeKey, queries: {} as Record<string, unknown>, statuses: {} as Record<string, number> };
    for (const [name, sql] of Object.entries(queries)) {
      if (typeof sql !== 'string' || (name.startsWith('fleet_detail_query_') && name !== 'fleet_detail_query_osquery_flags')) continue;
      const answer = answerQuery(name, sql, a.profile, a.runtime);
      write.queries[name] = answer.rows;
      write.statuses[name] = answer.status;
    }
    const written = await pool.http.postJson(ENDPOINTS.write, write);
    if (written.status !== 200) throw new Error(`seeding ${a.profile.hostname}: distributed/write → ${written.status} ${JSON.stringify(written.body)}`);
  });
}

/**
 * One check-in per agent: every agent at once (spreadMs 0, capped by the pool's concurrency) or
 * spread evenly over spreadMs, as a fleet at that interval checks in.
 */
export async function checkInOnce(pool: AgentPool, spreadMs: number): Promise<{ failures: number; errors: string[] }> {
  const started = performance.now();
  const n = pool.agents.length;
  let failures = 0;
  const errors = new Set<string>();
  await Promise.all(
    pool.agents.map(async (a, i) => {
      const at = (i * spreadMs) / n;
      const wait = at - (performance.now() - started);
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      try {
        await pool.limiter.run(() => a.checkIn());
      } catch (err) {
        failures += 1;
        errors.add(err instanceof Error ? err.message : String(err));
      }
    }),
  );
  return { failures, errors: [...errors] };
}
