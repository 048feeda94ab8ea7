/**
 * Hosts that take part in live queries, driven through the real osquery API: enroll, report their
 * intervals, fetch the live queries they are sent and answer them.
 */
import { checkIn, detail, distributedRead, distributedWrite, enroll, flagRows, hostDetails, type AgentReply, type Rows } from './agents.js';
import { restClient } from './clients.js';
import type { TestApp } from './harness.js';

export type LiveHost = { id: number; name: string; key: string };

export const LIVE_PREFIX = 'fleet_distributed_query_';
export const liveName = (campaignId: number) => `${LIVE_PREFIX}${campaignId}`;

/**
 * Enrolls `name` with `secret`, reports distributed_interval = config_tls_refresh = 10 (online for
 * 70 s after each check-in) and finds its id through /hosts/search.
 */
export async function enrollHost(t: TestApp, name: string, secret = 'global'): Promise<LiveHost> {
  const key = await enroll(t.url, secret, `id-${name}`, hostDetails({ hostname: name, platform: 'ubuntu', uuid: `uuid-${name}` }));
  await checkIn(t.url, key, { [detail('osquery_flags')]: flagRows(10, 10) });
  const r = await restClient(t.url)('POST', '/api/v1/fleet/hosts/search', { token: t.adminToken, body: { query: `uuid-${name}` } });
  const found = (r.body?.hosts as { id: number; hostname: string }[] | undefined)?.filter((h) => h.hostname === name) ?? [];
  if (found.length !== 1) throw new Error(`host ${name} not found: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: found[0]!.id, name, key };
}

/** The live queries (`fleet_distributed_query_<id>` → SQL) a host's distributed/read returns. */
export async function liveQueries(url: string, host: LiveHost): Promise<Record<string, string>> {
  const r = await distributedRead(url, host.key);
  if (r.status !== 200) throw new Error(`distributed/read: ${r.status} ${JSON.stringify(r.body)}`);
  return Object.fromEntries(Object.entries(r.body.queries ?? {}).filter(([name]) => name.startsWith(LIVE_PREFIX)));
}

/** Answers a campaign's query as osquery does: rows with status 0, or a failure status with its message. */
export function answerLive(
  url: string,
  host: LiveHost,
  campaignId: number,
  answer: Rows | { status: number; message: string },
): Promise<AgentReply> {
  const name = liveName(campaignId);
  return Array.isArray(answer)
    ? distributedWrite(url, host.key, { queries: { [name]: answer }, statuses: { [name]: 0 } })
    : distributedWrite(url, host.key, { queries: { [name]: '' }, statuses: { [name]: answer.status }, messages: { [name]: answer.message } });
}

/** Starts a campaign through POST /queries/run and answers its id (throws unless 200). */
export async function runCampaign(t: TestApp, hostIds: number[], opts: { token?: string; query?: string; queryId?: number } = {}): Promise<number> {
  const body = { ...(opts.queryId ? { query_id: opts.queryId } : { query: opts.query ?? 'SELECT 1' }), selected: { hosts: hostIds } };
  const r = await restClient(t.url)('POST', '/api/v1/fleet/queries/run', { token: opts.token ?? t.adminToken, body });
  if (r.status !== 200) throw new Error(`queries/run: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.campaign.id as number;
}

/** Reads one gauge or counter from /metrics (summed over its label sets). */
export async function metricValue(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** Polls /metrics until `name` satisfies `done` (a bounded wait for a server-side effect). */
export async function untilMetric(url: string, name: string, done: (value: number) => boolean, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await metricValue(url, name);
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${name} is still ${value} after ${timeoutMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A host whose last check-in is ten minutes before the clock's now (offline, not missing). */
export async function enrollOfflineHost(t: TestApp, clock: { advance(seconds: number): void }, name: string): Promise<LiveHost> {
  clock.advance(-600);
  try {
    return await enrollHost(t, name);
  } finally {
    clock.advance(600);
  }
}
