/**
 * Live query campaigns through GraphQL (fleet-behavior.md §4, §5.3): runLiveQuery(ByNames),
 * campaign(id) and the campaignEvents subscription over graphql-ws and SSE. Hosts are real
 * enrolled agents speaking osquery's remote API over HTTP; nothing is mocked.
 */
import Database from 'better-sqlite3';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { checkIn, detail, distributedRead, distributedWrite, enroll, flagRows, hostDetails, type Rows } from '../helpers/agents.js';
import { gqlClient, restClient, userToken, type GqlReply } from '../helpers/clients.js';
import { startApp, type TestApp } from '../helpers/harness.js';
import { until } from '../helpers/poll.js';
import {
  CAMPAIGN_EVENTS,
  eventsOf,
  graphqlWsClient,
  metric,
  resultsOf,
  sseSubscribe,
  watchOverWs,
  wsErrorsOf,
  wsSubscribe,
  type CampaignEvent,
  type Next,
  type Stream,
} from '../helpers/live.js';

const SQL = 'SELECT name, version FROM os_version';
const live = (campaignId: string | number) => `fleet_distributed_query_${campaignId}`;

type Agent = { name: string; key: string; id: string };

const codeOf = (r: GqlReply) => r.errors?.[0]?.extensions?.code;

/** Enrolls a host and reports its intervals (so it counts as online), as osquery would. */
async function enrollHost(t: TestApp, name: string, secret = 'global', platform = 'ubuntu'): Promise<Agent> {
  const key = await enroll(t.url, secret, `id-${name}`, hostDetails({ hostname: name, platform, uuid: `uuid-${name}` }));
  await checkIn(t.url, key, { [detail('osquery_flags')]: flagRows(10, 10) });
  const r = await gqlClient(t.url)('query ($s: String) { hosts(search: $s) { edges { node { id hostname } } } }', { s: `uuid-${name}` }, t.adminToken);
  const node = (r.data.hosts.edges as { node: { id: string; hostname: string } }[]).find((e) => e.node.hostname === name)?.node;
  if (!node) throw new Error(`host ${name} not found after enrolling`);
  return { name, key, id: node.id };
}

/** The host picks up the campaign's query on distributed/read and answers it on distributed/write. */
async function answer(t: TestApp, a: Agent, campaignId: string, rows: Rows, sql = SQL): Promise<void> {
  const read = await distributedRead(t.url, a.key);
  expect(read.body.queries[live(campaignId)], `${a.name} should be asked campaign ${campaignId}`).toBe(sql);
  await checkIn(t.url, a.key, { [live(campaignId)]: rows });
}

const rowsOf = (a: Agent, n = 1): Rows => Array.from({ length: n }, (_, i) => ({ host: a.name, n: String(i) }));

const RUN = `mutation ($query: String, $queryId: ID, $selected: TargetsInput!) {
  runLiveQuery(query: $query, queryId: $queryId, selected: $selected) {
    id status createdAt query { query name } targets { hostIds labelIds teamIds }
    metrics { totalHosts onlineHosts offlineHosts missingInActionHosts newHosts }
  }
}`;
const RUN_BY_NAMES = `mutation ($query: String, $queryId: ID, $selected: TargetsByNamesInput!) {
  runLiveQueryByNames(query: $query, queryId: $queryId, selected: $selected) {
    id status query { query } targets { hostIds labelIds teamIds } metrics { totalHosts onlineHosts }
  }
}`;

/** Starts a campaign over the given host ids and answers its id. */
/** A server of its own with `count` enrolled hosts named `<prefix>-<i>.example.org`. */
async function appWithHosts(overrides: Parameters<typeof startApp>[0], prefix: string, count: number): Promise<{ app: TestApp; hosts: Agent[] }> {
  const app = await startApp(overrides);
  await restClient(app.url)('POST', '/api/v1/fleet/spec/enroll_secret', { token: app.adminToken, body: { spec: { secrets: [{ secret: 'global' }] } } });
  const hosts: Agent[] = [];
  for (let i = 0; i < count; i++) hosts.push(await enrollHost(app, `${prefix}-${i}.example.org`));
  return { app, hosts };
}

async function run(t: TestApp, token: string, hosts: Agent[], sql = SQL): Promise<string> {
  const r = await gqlClient(t.url)(RUN, { query: sql, selected: { hosts: hosts.map((h) => h.id) } }, token);
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data.runLiveQuery.id as string;
}

const totals = (n: number): CampaignEvent => ({ __typename: 'CampaignTotals', count: n, online: n, offline: 0, missingInAction: 0 });
const status = (expected: number, actual: number, s = actual >= expected ? 'finished' : 'pending'): CampaignEvent => ({
  __typename: 'CampaignStatus',
  expectedResults: expected,
  actualResults: actual,
  status: s,
});
const result = (cursor: number, a: Agent, rows: Rows, error: string | null = null): CampaignEvent => ({
  __typename: 'CampaignResult',
  cursor: String(cursor),
  host: { id: a.id, hostname: a.name },
  rows,
  error,
});

const hasStatus = (s: string) => (items: Next[]) => eventsOf(items).some((e) => e.__typename === 'CampaignStatus' && e.status === s);
/** Progress counts are coalesced to one a second while results flow: wait for the one that counts `n`. */
const progress = (n: number) => (items: Next[]) => eventsOf(items).some((e) => e.__typename === 'CampaignStatus' && e.actualResults === n);
const resultCount = (n: number) => (items: Next[]) => resultsOf(items).length >= n;
/** The stream is established once its first status arrived. */
const started = (s: Stream<Next>) => s.until(hasStatus('pending'), 10_000, 'the first status');

let t: TestApp;
let gql: ReturnType<typeof gqlClient>;
let admin: string;
let maintainer: string;
let observer: string;
let hosts: Agent[];
let teamHosts: Agent[];
let alphaId: string;
let canariesId: string;
let observableId: string;

beforeAll(async () => {
  t = await startApp();
  gql = gqlClient(t.url);
  admin = t.adminToken;
  const rest = restClient(t.url);
  const ok = async (path: string, body: unknown) => {
    const r = await rest('POST', path, { token: admin, body });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  };
  await ok('/api/v1/fleet/spec/enroll_secret', { spec: { secrets: [{ secret: 'global' }] } });
  await ok('/api/v1/fleet/spec/teams', { specs: [{ name: 'alpha', secrets: [{ secret: 'alpha-secret' }] }] });
  await ok('/api/v1/fleet/spec/queries', { specs: [{ name: 'observable', query: 'SELECT 42 AS answer', observer_can_run: true }] });
  hosts = [];
  for (let i = 0; i < 10; i++) hosts.push(await enrollHost(t, `host-${i}.example.org`));
  teamHosts = [await enrollHost(t, 'alpha-1.example.org', 'alpha-secret', 'darwin'), await enrollHost(t, 'alpha-2.example.org', 'alpha-secret', 'darwin')];
  await ok('/api/v1/fleet/spec/labels', {
    specs: [{ name: 'canaries', label_membership_type: 'manual', hosts: [hosts[0]!.name, hosts[1]!.name, teamHosts[0]!.name] }],
  });
  const data = (await gql('{ teams { id name } label(name: "canaries") { id } savedQuery(name: "observable") { id } }', {}, admin)).data;
  alphaId = (data.teams as { id: string; name: string }[]).find((x) => x.name === 'alpha')!.id;
  canariesId = data.label.id as string;
  observableId = data.savedQuery.id as string;
  maintainer = await userToken(t, 'maintainer@example.com', { global_role: 'maintainer' });
  observer = await userToken(t, 'observer@example.com', { global_role: 'observer' });
});

describe('graphql-ws authentication', () => {
  const firstEvents = async (s: Stream<Next>) => eventsOf(await started(s)).slice(0, 2);

  it('should accept the session token as connectionParams.token', async () => {
    const id = await run(t, admin, [hosts[0]!]);
    const s = watchOverWs(t.url, admin, id);
    expect(await firstEvents(s)).toEqual([totals(1), status(1, 0)]);
    await s.dispose();
  });

  it('should accept connectionParams.authorization with a Bearer token', async () => {
    const id = await run(t, admin, [hosts[0]!]);
    const client = graphqlWsClient(t.url, { connectionParams: { authorization: `Bearer ${admin}` } });
    expect(await firstEvents(wsSubscribe(client, CAMPAIGN_EVENTS, { id }))).toEqual([totals(1), status(1, 0)]);
    await client.dispose();
  });

  it("should accept the upgrade request's Authorization header", async () => {
    const id = await run(t, admin, [hosts[0]!]);
    const client = graphqlWsClient(t.url, { headers: { authorization: `Bearer ${admin}` } });
    expect(await firstEvents(wsSubscribe(client, CAMPAIGN_EVENTS, { id }))).toEqual([totals(1), status(1, 0)]);
    await client.dispose();
  });

  it('should end the subscription with UNAUTHENTICATED without a token or with a bad one', async () => {
    const id = await run(t, admin, [hosts[0]!]);
    const attempts = [{}, { connectionParams: { token: 'not-a-session' } }, { connectionParams: { authorization: 'Bearer nope' } }, { headers: { authorization: 'Bearer nope' } }];
    for (const opts of attempts) {
      const client = graphqlWsClient(t.url, opts);
      const s = wsSubscribe(client, CAMPAIGN_EVENTS, { id });
      await s.closed();
      expect(s.items, JSON.stringify(opts)).toEqual([]);
      expect(wsErrorsOf(s)?.map((e) => e.extensions?.code), JSON.stringify(opts)).toEqual(['UNAUTHENTICATED']);
      await client.dispose();
    }
  });

  it("should answer FORBIDDEN for another user's campaign, even to an admin", async () => {
    const id = await run(t, maintainer, [hosts[0]!]);
    const s = watchOverWs(t.url, admin, id);
    await s.closed();
    expect(wsErrorsOf(s)?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    await s.dispose();
    // Its owner may watch it.
    const own = watchOverWs(t.url, maintainer, id);
    expect(await firstEvents(own)).toEqual([totals(1), status(1, 0)]);
    await own.dispose();
  });

  it('should run queries and mutations over the same socket as the authenticated user', async () => {
    const client = graphqlWsClient(t.url, { connectionParams: { token: maintainer } });
    const me = wsSubscribe(client, '{ me { email } }', {});
    await me.closed();
    expect(me.items).toEqual([{ data: { me: { email: 'maintainer@example.com' } } }]);
    const started = wsSubscribe(client, RUN, { query: SQL, selected: { hosts: [hosts[0]!.id] } });
    await started.closed();
    const id = (started.items[0]?.data as unknown as { runLiveQuery: { id: string } }).runLiveQuery.id;
    // The campaign is the maintainer's: the admin may not read it, its owner may.
    expect(codeOf(await gql('query ($id: ID!) { campaign(id: $id) { id } }', { id }, admin))).toBe('FORBIDDEN');
    expect((await gql('query ($id: ID!) { campaign(id: $id) { id } }', { id }, maintainer)).data.campaign.id).toBe(id);
    await client.dispose();
  });

  it('should answer FORBIDDEN to a user who may not run queries, for any campaign id, even their own', async () => {
    const gitops = await userToken(t, 'gitops@example.com', { global_role: 'gitops' });
    for (const id of [await run(t, admin, [hosts[0]!]), '987655']) {
      const s = watchOverWs(t.url, gitops, id);
      await s.closed();
      expect(wsErrorsOf(s)?.map((e) => e.extensions?.code), id).toEqual(['FORBIDDEN']);
      await s.dispose();
    }
    // A maintainer's campaign, after the maintainer was made gitops.
    const demoted = await userToken(t, 'demoted@example.com', { global_role: 'maintainer' });
    const own = await run(t, demoted, [hosts[0]!]);
    const db = new Database(t.dbPath);
    try {
      db.prepare("UPDATE users SET global_role = 'gitops' WHERE email = ?").run('demoted@example.com');
    } finally {
      db.close();
    }
    const s = watchOverWs(t.url, demoted, own);
    await s.closed();
    expect(wsErrorsOf(s)?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    await s.dispose();
  });

  it('should answer NOT_FOUND for an unknown campaign', async () => {
    const s = watchOverWs(t.url, admin, 987654);
    await s.closed();
    expect(wsErrorsOf(s)).toEqual([expect.objectContaining({ message: 'Campaign 987654 was not found in the datastore', extensions: { code: 'NOT_FOUND' } })]);
    await s.dispose();
  });
});

type Frame = { binary: boolean; message: { id?: string; type: string; payload?: { data?: { campaignEvents?: { __typename: string; status?: string } } } } };
const resultFrame = (f: Frame) => f.message.type === 'next' && f.message.payload?.data?.campaignEvents?.__typename === 'CampaignResult';

/** A raw graphql-transport-ws connection subscribed to a campaign, so frames are seen as they are on the wire. */
async function rawSubscriber(id: string, opId: string) {
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  const frames: Frame[] = [];
  ws.on('message', (data, binary) => frames.push({ binary, message: JSON.parse(data.toString()) as Frame['message'] }));
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify({ type: 'connection_init', payload: { token: admin } }));
  await until(() => frames.some((f) => f.message.type === 'connection_ack'), 'connection_ack');
  ws.send(JSON.stringify({ id: opId, type: 'subscribe', payload: { query: CAMPAIGN_EVENTS, variables: { id } } }));
  return { ws, frames };
}

describe('campaignEvents', () => {
  it('should send totals, pending status, each result as it arrives and finished right after the last online host', async () => {
    const [a, b, c] = hosts as [Agent, Agent, Agent];
    const id = await run(t, admin, [a, b, c]);
    const s = watchOverWs(t.url, admin, id);
    await started(s);
    expect(eventsOf(s.items)).toEqual([totals(3), status(3, 0)]);

    await answer(t, a, id, rowsOf(a, 2));
    await s.until(progress(1));
    // A failed query reaches watchers as an error with no rows.
    expect((await distributedRead(t.url, b.key)).body.queries[live(id)]).toBe(SQL);
    const failed = await distributedWrite(t.url, b.key, { queries: { [live(id)]: '' }, statuses: { [live(id)]: 1 }, messages: { [live(id)]: 'no such table: os_version' } });
    expect(failed.status).toBe(200);
    await s.until(progress(2));
    expect(eventsOf(s.items).some((e) => e.__typename === 'CampaignStatus' && e.status === 'finished')).toBe(false);
    await answer(t, c, id, rowsOf(c));
    await s.until(hasStatus('finished'));

    expect(eventsOf(s.items)).toEqual([
      totals(3),
      status(3, 0),
      result(1, a, rowsOf(a, 2)),
      status(3, 1),
      result(2, b, [], 'no such table: os_version'),
      status(3, 2),
      result(3, c, rowsOf(c)),
      status(3, 3, 'finished'),
    ]);
    await s.dispose();
  });

  it('should send shared results as text frames carrying each subscriber\'s own id and the same payload', async () => {
    const [a] = hosts as [Agent];
    const id = await run(t, admin, [a]);
    const subs = [await rawSubscriber(id, 'first-op'), await rawSubscriber(id, 'second-op-with-a-longer-id')];
    await until(() => subs.every((x) => x.frames.some((f) => f.message.type === 'next')), 'the first events');
    await answer(t, a, id, rowsOf(a, 3));
    await until(() => subs.every((x) => x.frames.some(resultFrame)), 'the result on both sockets');
    for (const [i, x] of subs.entries()) {
      expect(x.frames.every((f) => !f.binary)).toBe(true);
      expect(x.frames.filter((f) => f.message.type === 'next').every((f) => f.message.id === ['first-op', 'second-op-with-a-longer-id'][i])).toBe(true);
    }
    const [first, second] = subs.map((x) => x.frames.find(resultFrame)!.message.payload);
    expect(first).toEqual(second);
    expect(first).toEqual({ data: { campaignEvents: result(1, a, rowsOf(a, 3)) } });
    for (const x of subs) x.ws.close();
  });

  it('should send results found together as one text frame each, in order, with the events around them', async () => {
    // Stored before anyone watches, so the stream finds them in one read: one batch.
    const targets = hosts.slice(0, 4);
    const id = await run(t, admin, targets);
    for (const h of targets) await answer(t, h, id, rowsOf(h, 2));
    const late = await rawSubscriber(id, 'late-op');
    const finished = (f: Frame) => f.message.payload?.data?.campaignEvents?.status === 'finished';
    await until(() => late.frames.some(finished), 'finished');
    const next = late.frames.filter((f) => f.message.type === 'next');
    expect(late.frames.every((f) => !f.binary)).toBe(true);
    expect(next.every((f) => f.message.id === 'late-op')).toBe(true);
    expect(next.map((f) => f.message.payload)).toEqual([
      { data: { campaignEvents: totals(4) } },
      { data: { campaignEvents: status(4, 0) } },
      ...targets.map((h, i) => ({ data: { campaignEvents: result(i + 1, h, rowsOf(h, 2)) } })),
      { data: { campaignEvents: status(4, 4, 'finished') } },
    ]);
    late.ws.close();
  });

  it('should give a late subscriber every result from the start, in order, exactly once', async () => {
    const targets = hosts.slice(0, 6);
    const id = await run(t, admin, targets);
    for (const h of targets) await answer(t, h, id, rowsOf(h));
    const late = [watchOverWs(t.url, admin, id), watchOverWs(t.url, admin, id)];
    for (const s of late) {
      await s.until(hasStatus('finished'));
      // A moment more: nothing further (no repeats) arrives.
      await new Promise((r) => setTimeout(r, 300));
      expect(resultsOf(s.items).map((e) => [e.cursor, e.host.hostname, e.rows])).toEqual(targets.map((h, i) => [String(i + 1), h.name, rowsOf(h)]));
      expect(eventsOf(s.items).at(-1)).toEqual(status(6, 6, 'finished'));
      await s.dispose();
    }
  });

  it('should give subscribers of one campaign with different selections each their own fields', async () => {
    // Results are executed once per document and shared: the key must keep documents apart.
    const targets = hosts.slice(0, 2);
    const id = await run(t, admin, targets);
    const full = watchOverWs(t.url, admin, id);
    const client = graphqlWsClient(t.url, { connectionParams: { token: admin } });
    const CURSORS = 'subscription ($id: ID!) { campaignEvents(campaignId: $id) { ... on CampaignResult { cursor } ... on CampaignStatus { status } } }';
    const cursors = wsSubscribe(client, CURSORS, { id });
    const renamed = wsSubscribe(client, CURSORS.replace('{ cursor }', '{ at: cursor host { hostname } }'), { id });
    await Promise.all([started(full), cursors.until((items) => items.length > 0), renamed.until((items) => items.length > 0)]);
    for (const h of targets) await answer(t, h, id, rowsOf(h));
    const finished = (items: Next[]) => eventsOf(items).some((e) => (e as { status?: string }).status === 'finished');
    await Promise.all([full.until(hasStatus('finished')), cursors.until(finished), renamed.until(finished)]);
    expect(resultsOf(full.items).map((e) => [e.cursor, e.host.hostname, e.rows])).toEqual(targets.map((h, i) => [String(i + 1), h.name, rowsOf(h)]));
    // Totals select nothing here (an empty object); statuses only their status.
    const resultsIn = (s: Stream<Next>) => eventsOf(s.items).filter((e) => 'cursor' in e || 'at' in e);
    expect(resultsIn(cursors)).toEqual([{ cursor: '1' }, { cursor: '2' }]);
    expect(resultsIn(renamed)).toEqual(targets.map((h, i) => ({ at: String(i + 1), host: { hostname: h.name } })));
    await full.dispose();
    await client.dispose();
  });

  it('should resume after the last cursor seen with nothing lost and nothing repeated', async () => {
    const targets = hosts.slice(0, 10);
    const id = await run(t, admin, targets);
    const first = watchOverWs(t.url, admin, id);
    await started(first);
    // Several hosts answer at once while the first watcher leaves half-way.
    const answering = Promise.all(targets.map(async (h, i) => {
      await new Promise((r) => setTimeout(r, i * 40));
      await answer(t, h, id, rowsOf(h, 3));
    }));
    await first.until(resultCount(3));
    first.stop();
    const seen = resultsOf(first.items);
    await first.dispose();
    const last = seen.at(-1)!.cursor;

    const resumed = watchOverWs(t.url, admin, id, last);
    await answering;
    await resumed.until(hasStatus('finished'));
    await new Promise((r) => setTimeout(r, 300));
    const rest = resultsOf(resumed.items);
    expect(rest[0]?.cursor).toBe(String(Number(last) + 1));
    const all = [...seen, ...rest];
    expect(all.map((e) => e.cursor)).toEqual(targets.map((_, i) => String(i + 1)));
    expect(all.map((e) => e.host.hostname).sort()).toEqual(targets.map((h) => h.name).sort());
    for (const e of all) expect(e.rows).toEqual(rowsOf(targets.find((h) => h.name === e.host.hostname)!, 3));
    await resumed.dispose();
  });

  it('should resume after a results page’s end cursor without repeating that page', async () => {
    const targets = hosts.slice(0, 4);
    const id = await run(t, admin, targets);
    for (const h of targets) await answer(t, h, id, rowsOf(h));
    const page = await gql(
      'query ($id: ID!) { campaign(id: $id) { results(first: 2) { pageInfo { endCursor } edges { cursor node { cursor } } } } }',
      { id },
      admin,
    );
    const { pageInfo, edges } = page.data.campaign.results as { pageInfo: { endCursor: string }; edges: { cursor: string; node: { cursor: string } }[] };
    expect(edges).toHaveLength(2);
    const s = watchOverWs(t.url, admin, id, pageInfo.endCursor);
    await s.until(hasStatus('finished'));
    await new Promise((r) => setTimeout(r, 300));
    expect(resultsOf(s.items).map((e) => e.host.hostname)).toEqual(targets.slice(2).map((h) => h.name));
    await s.dispose();
  });

  it('should ignore results from hosts the campaign did not target, and repeated answers', async () => {
    const [target, stranger] = hosts as [Agent, Agent];
    const id = await run(t, admin, [target]);
    const s = watchOverWs(t.url, admin, id);
    await started(s);
    const ignoredBefore = await metric(t.url, 'fleetgraph_live_results_ignored');
    // Not asked, yet it answers anyway.
    expect((await distributedRead(t.url, stranger.key)).body.queries[live(id)]).toBeUndefined();
    await checkIn(t.url, stranger.key, { [live(id)]: rowsOf(stranger) });
    await answer(t, target, id, rowsOf(target));
    await s.until(hasStatus('finished'));
    await checkIn(t.url, target.key, { [live(id)]: rowsOf(target, 5) });
    await new Promise((r) => setTimeout(r, 300));
    expect(resultsOf(s.items).map((e) => [e.host.hostname, e.rows])).toEqual([[target.name, rowsOf(target)]]);
    expect(await metric(t.url, 'fleetgraph_live_results_ignored')).toBe(ignoredBefore + 2);
    const stored = await gql('query ($id: ID!) { campaign(id: $id) { results { totalCount } } }', { id }, admin);
    expect(stored.data.campaign.results.totalCount).toBe(1);
    await s.dispose();
  });
});

describe('campaignEvents over SSE', () => {
  it('should stream the same events to POST /graphql with accept: text/event-stream, keepalives allowed', async () => {
    const [a, b] = hosts as [Agent, Agent];
    const id = await run(t, admin, [a, b]);
    const s = sseSubscribe(t.url, admin, CAMPAIGN_EVENTS, { id });
    expect(await s.status).toBe(200);
    await started(s);
    await answer(t, a, id, rowsOf(a));
    await s.until(progress(1));
    await answer(t, b, id, rowsOf(b, 2));
    await s.until(hasStatus('finished'));
    expect(eventsOf(s.items)).toEqual([totals(2), status(2, 0), result(1, a, rowsOf(a)), status(2, 1), result(2, b, rowsOf(b, 2)), status(2, 2, 'finished')]);
    // Yoga opens the stream with a ":" comment and repeats it as a keepalive.
    expect(s.comments).toBeGreaterThanOrEqual(1);
    s.stop();
  });

  it('should resume over SSE after a cursor', async () => {
    const targets = hosts.slice(0, 3);
    const id = await run(t, admin, targets);
    for (const h of targets) await answer(t, h, id, rowsOf(h));
    const s = sseSubscribe(t.url, admin, CAMPAIGN_EVENTS, { id, after: '1' });
    await s.until(hasStatus('finished'));
    expect(resultsOf(s.items).map((e) => [e.cursor, e.host.hostname])).toEqual([
      ['2', targets[1]!.name],
      ['3', targets[2]!.name],
    ]);
    s.stop();
  });

  it('should answer UNAUTHENTICATED, FORBIDDEN and NOT_FOUND as errors of the stream', async () => {
    const mine = await run(t, maintainer, [hosts[0]!]);
    const cases: [string | undefined, string, string][] = [
      [undefined, mine, 'UNAUTHENTICATED'],
      ['bad-token', mine, 'UNAUTHENTICATED'],
      [admin, mine, 'FORBIDDEN'],
      [admin, '424242', 'NOT_FOUND'],
    ];
    for (const [token, id, code] of cases) {
      const s = sseSubscribe(t.url, token, CAMPAIGN_EVENTS, { id });
      await s.closed();
      expect(s.items.flatMap((i) => i.errors ?? []).map((e) => e.extensions?.code), `${token} ${id}`).toEqual([code]);
      expect(eventsOf(s.items)).toEqual([]);
    }
  });
});

describe('result cap', () => {
  it('should stop streaming at campaignMaxRows and report the cap once', async () => {
    const { app: capped, hosts: four } = await appWithHosts({ campaignMaxRows: 5 }, 'capped', 4);
    const id = await run(capped, capped.adminToken, four);
    const s = watchOverWs(capped.url, capped.adminToken, id);
    await started(s);
    for (const h of four) await answer(capped, h, id, rowsOf(h, 2));
    await s.until((items) => eventsOf(items).some((e) => e.__typename === 'CampaignError'));
    await new Promise((r) => setTimeout(r, 300));
    const events = eventsOf(s.items);
    expect(resultsOf(s.items).map((e) => e.host.hostname)).toEqual([four[0]!.name, four[1]!.name]);
    const errors = events.filter((e) => e.__typename === 'CampaignError');
    expect(errors).toEqual([{ __typename: 'CampaignError', message: expect.stringMatching(/^result cap reached/) }]);
    expect(errors[0]).toEqual({ __typename: 'CampaignError', message: 'result cap reached: 4 rows kept, later results dropped' });
    // Results past the cap were refused for good.
    const stored = await gqlClient(capped.url)('query ($id: ID!) { campaign(id: $id) { results { totalCount } } }', { id }, capped.adminToken);
    expect(stored.data.campaign.results.totalCount).toBe(2);
    await s.dispose();
  });
});

describe('slow subscribers', () => {
  it('should drop a subscriber that stops reading while a fast one receives every result in order', async () => {
    const { app, hosts: many } = await appWithHosts({ subscriberMaxLag: 20 }, 'busy', 60);
    const id = await run(app, app.adminToken, many);

    let socket: WebSocket | undefined;
    const slowClient = graphqlWsClient(app.url, { connectionParams: { token: app.adminToken }, onSocket: (ws) => (socket = ws) });
    const slow = wsSubscribe(slowClient, CAMPAIGN_EVENTS, { id });
    const fast = watchOverWs(app.url, app.adminToken, id);
    await started(slow);
    await started(fast);
    socket!.pause();

    // Large answers (800 kB each), so the paused reader's socket buffers (a few MB) fill after a few
    // of them and it falls more than 20 results behind.
    const big = 'x'.repeat(100_000);
    const bigRows = (h: Agent): Rows => Array.from({ length: 8 }, (_, i) => ({ host: h.name, n: String(i), blob: big }));
    for (const h of many) await answer(app, h, id, bigRows(h));
    await fast.until(hasStatus('finished'), 30_000);
    expect(resultsOf(fast.items).map((e) => e.cursor)).toEqual(many.map((_, i) => String(i + 1)));
    expect(resultsOf(fast.items).map((e) => e.host.hostname)).toEqual(many.map((h) => h.name));
    expect(resultsOf(fast.items).every((e, i) => e.rows.length === 8 && e.rows[7]!.blob === big && e.host.hostname === many[i]!.name)).toBe(true);

    // It did not come back to read its error in time, so its connection was cut: once it reads
    // again it finds the socket closed abnormally after the results it had buffered.
    const behind = resultsOf(slow.items).length;
    socket!.resume();
    await slow.closed(20_000);
    expect(slow.ended).toBe(true);
    expect(eventsOf(slow.items).some((e) => e.__typename === 'CampaignStatus' && e.status === 'finished')).toBe(false);
    const got = resultsOf(slow.items);
    expect(got.length).toBeGreaterThanOrEqual(behind);
    expect(got.length).toBeLessThan(many.length);
    // What it did get was in order, with no gaps.
    expect(got.map((e) => e.cursor)).toEqual(got.map((_, i) => String(i + 1)));
    expect(await metric(app.url, 'fleetgraph_live_subscribers_dropped')).toBeGreaterThan(0);
    // The fast watcher is unaffected and still connected.
    expect(fast.ended).toBe(false);
    await fast.dispose();
    await slowClient.dispose();
  }, 60_000);
});

describe('slow SSE subscribers', () => {
  it('should cut an SSE subscriber that stops reading, while a fast one receives every result', async () => {
    const { app, hosts: many } = await appWithHosts({ subscriberMaxLag: 20 }, 'sse', 40);
    const id = await run(app, app.adminToken, many);

    // A raw HTTP client, so it can stop reading: once its first status came, it pauses.
    let received = '';
    let paused: IncomingMessage | undefined;
    const closed = new Promise<void>((resolve) => {
      const req = httpRequest(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${app.adminToken}` },
      });
      req.on('response', (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          received += chunk;
          if (!paused && received.includes('CampaignStatus')) {
            paused = res;
            res.pause();
          }
        });
        res.on('close', () => resolve());
        res.on('error', () => resolve());
      });
      req.on('error', () => resolve());
      req.end(JSON.stringify({ query: CAMPAIGN_EVENTS, variables: { id } }));
    });
    const fast = watchOverWs(app.url, app.adminToken, id);
    await started(fast);
    const deadline = Date.now() + 5000;
    while (!received.includes('CampaignStatus')) {
      if (Date.now() > deadline) throw new Error('the SSE subscriber never got its first status');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const big = 'x'.repeat(100_000);
    for (const h of many) await answer(app, h, id, Array.from({ length: 8 }, (_, i) => ({ host: h.name, n: String(i), blob: big })));
    await fast.until(hasStatus('finished'), 30_000);
    expect(resultsOf(fast.items).map((e) => e.host.hostname)).toEqual(many.map((h) => h.name));

    // Dropped by the lag rule at once; it does not come back within the 2 s grace, so its
    // connection is cut: reading again, it finds the end of the stream and no `complete` event.
    expect(await metric(app.url, 'fleetgraph_live_subscribers_dropped')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    paused?.resume();
    await closed;
    expect(received).not.toContain('event: complete');
    expect(received).not.toContain('subscriber too slow');
    expect(fast.ended).toBe(false);
    await fast.dispose();
  }, 60_000);
});

describe('runLiveQuery and runLiveQueryByNames', () => {
  const metrics = (n: number) => ({ totalHosts: n, onlineHosts: n, offlineHosts: 0, missingInActionHosts: 0, newHosts: n });

  it('should start a campaign on hosts by id, waiting until watched', async () => {
    const r = await gql(RUN, { query: SQL, selected: { hosts: [hosts[0]!.id, hosts[1]!.id] } }, admin);
    expect(r.errors).toBeUndefined();
    expect(r.data.runLiveQuery).toEqual({
      id: expect.stringMatching(/^\d+$/),
      status: 'WAITING',
      createdAt: expect.any(String),
      query: { query: SQL, name: expect.stringMatching(/^distributed_admin@example\.com_\d+$/) },
      targets: { hostIds: [hosts[0]!.id, hosts[1]!.id], labelIds: [], teamIds: [] },
      metrics: metrics(2),
    });
    const id = r.data.runLiveQuery.id as string;
    const s = watchOverWs(t.url, admin, id);
    await started(s);
    expect((await gql('query ($id: ID!) { campaign(id: $id) { status } }', { id }, admin)).data.campaign.status).toBe('RUNNING');
    await s.dispose();
  });

  it('should target members of labels and hosts of teams by id', async () => {
    const byLabel = await gql(RUN, { query: SQL, selected: { labels: [canariesId] } }, admin);
    expect(byLabel.data.runLiveQuery.targets).toEqual({ hostIds: [], labelIds: [canariesId], teamIds: [] });
    expect(byLabel.data.runLiveQuery.metrics).toEqual(metrics(3));
    const byTeam = await gql(RUN, { query: SQL, selected: { teams: [alphaId] } }, admin);
    expect(byTeam.data.runLiveQuery.metrics).toEqual(metrics(2));
    const noTeam = await gql(RUN, { query: SQL, selected: { teams: ['0'] } }, admin);
    expect(noTeam.data.runLiveQuery.metrics).toEqual(metrics(hosts.length));
    // Fleet's rule: labels and teams together narrow each other; hosts by id are added (once each).
    const both = await gql(RUN, { query: SQL, selected: { labels: [canariesId], teams: [alphaId], hosts: [hosts[0]!.id, teamHosts[0]!.id] } }, admin);
    expect(both.data.runLiveQuery.metrics).toEqual(metrics(2));
    const labelOrHost = await gql(RUN, { query: SQL, selected: { labels: [canariesId], hosts: [hosts[0]!.id, hosts[9]!.id] } }, admin);
    expect(labelOrHost.data.runLiveQuery.metrics).toEqual(metrics(4));

    // Exactly the team's hosts are asked.
    const id = byTeam.data.runLiveQuery.id as string;
    for (const h of teamHosts) expect((await distributedRead(t.url, h.key)).body.queries[live(id)]).toBe(SQL);
    expect((await distributedRead(t.url, hosts[0]!.key)).body.queries[live(id)]).toBeUndefined();
  });

  it('should target hosts by hostname and labels by name, ignoring unknown hostnames', async () => {
    const r = await gql(RUN_BY_NAMES, { query: SQL, selected: { hosts: [hosts[5]!.name, 'nobody.example.org'], labels: ['canaries'] } }, admin);
    expect(r.errors).toBeUndefined();
    expect(r.data.runLiveQueryByNames).toEqual({
      id: expect.any(String),
      status: 'WAITING',
      query: { query: SQL },
      targets: { hostIds: [hosts[5]!.id], labelIds: [canariesId], teamIds: [] },
      metrics: { totalHosts: 4, onlineHosts: 4 },
    });
    const unknown = await gql(RUN_BY_NAMES, { query: SQL, selected: { labels: ['canaries', 'no-such-label'] } }, admin);
    expect({ code: codeOf(unknown), message: unknown.errors?.[0]?.message }).toEqual({ code: 'BAD_REQUEST', message: '[no-such-label] Invalid label name(s):' });
    const nobody = await gql(RUN_BY_NAMES, { query: SQL, selected: { hosts: ['nobody.example.org'] } }, admin);
    expect({ code: codeOf(nobody), message: nobody.errors?.[0]?.message }).toEqual({ code: 'BAD_REQUEST', message: 'no hosts targeted' });
  });

  it('should run a saved query, whose SQL wins over query', async () => {
    const r = await gql(RUN, { query: 'SELECT 1', queryId: observableId, selected: { hosts: [hosts[2]!.id] } }, admin);
    expect(r.data.runLiveQuery.query).toEqual({ query: 'SELECT 42 AS answer', name: 'observable' });
    const id = r.data.runLiveQuery.id as string;
    expect((await distributedRead(t.url, hosts[2]!.key)).body.queries[live(id)]).toBe('SELECT 42 AS answer');
  });

  it('should answer each refusal with its code', async () => {
    const one = { hosts: [hosts[0]!.id] };
    const none = await gql(RUN, { selected: one }, admin);
    expect({ code: codeOf(none), invalid: none.errors?.[0]?.extensions?.invalid }).toEqual({
      code: 'VALIDATION_FAILED',
      invalid: [{ name: 'query', reason: 'one of query or query_id must be specified' }],
    });
    const blank = await gql(RUN_BY_NAMES, { query: '  ', selected: { hosts: [hosts[0]!.name] } }, admin);
    expect(blank.errors?.[0]?.extensions?.invalid).toEqual([{ name: 'query', reason: 'one of query or query_id must be specified' }]);

    const empty = await gql(RUN, { query: SQL, selected: {} }, admin);
    expect({ code: codeOf(empty), message: empty.errors?.[0]?.message }).toEqual({ code: 'BAD_REQUEST', message: 'no hosts targeted' });
    const unknownHost = await gql(RUN, { query: SQL, selected: { hosts: ['999999'] } }, admin);
    expect(codeOf(unknownHost)).toBe('BAD_REQUEST');

    const adHoc = await gql(RUN, { query: SQL, selected: one }, observer);
    expect(codeOf(adHoc)).toBe('FORBIDDEN');
    const adHocByNames = await gql(RUN_BY_NAMES, { query: SQL, selected: { hosts: [hosts[0]!.name] } }, observer);
    expect(codeOf(adHocByNames)).toBe('FORBIDDEN');
    // An observer may run a saved query marked observer_can_run.
    const allowed = await gql(RUN, { queryId: observableId, selected: one }, observer);
    expect(allowed.errors).toBeUndefined();

    const missing = await gql(RUN, { queryId: '999999', selected: one }, admin);
    expect({ code: codeOf(missing), message: missing.errors?.[0]?.message }).toEqual({ code: 'NOT_FOUND', message: 'Query 999999 was not found in the datastore' });
    expect(codeOf(await gql(RUN, { query: SQL, selected: one }))).toBe('UNAUTHENTICATED');
  });
});

describe('Query.campaign', () => {
  const CAMPAIGN = `query ($id: ID!, $first: Int, $after: String) {
    campaign(id: $id) {
      id status query { query } targets { hostIds labelIds teamIds }
      metrics { totalHosts onlineHosts offlineHosts missingInActionHosts newHosts }
      results(first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor node { cursor rows error host { id hostname displayName } } }
      }
    }
  }`;

  it('should page through stored results in arrival order', async () => {
    const targets = hosts.slice(3, 8);
    const id = await run(t, admin, targets);
    for (const h of targets) await answer(t, h, id, rowsOf(h, 2));
    const pages: { cursor: string; node: { cursor: string; rows: Rows; host: { hostname: string } } }[] = [];
    let after: string | undefined;
    for (;;) {
      const r = await gql(CAMPAIGN, { id, first: 2, ...(after ? { after } : {}) }, admin);
      expect(r.errors).toBeUndefined();
      const c = r.data.campaign;
      expect(c).toMatchObject({
        id,
        query: { query: SQL },
        targets: { hostIds: targets.map((h) => h.id), labelIds: [], teamIds: [] },
        metrics: { totalHosts: 5, onlineHosts: 5, offlineHosts: 0, missingInActionHosts: 0, newHosts: 5 },
      });
      expect(c.results.totalCount).toBe(5);
      pages.push(...c.results.edges);
      if (!c.results.pageInfo.hasNextPage) break;
      after = c.results.pageInfo.endCursor;
    }
    expect(pages.map((e) => [e.node.cursor, e.node.host.hostname, e.node.rows])).toEqual(targets.map((h, i) => [String(i + 1), h.name, rowsOf(h, 2)]));
    expect(new Set(pages.map((e) => e.cursor)).size).toBe(5);
  });

  it("should refuse another user's campaign with FORBIDDEN and an unknown one with NOT_FOUND", async () => {
    const id = await run(t, maintainer, [hosts[0]!]);
    expect(codeOf(await gql(CAMPAIGN, { id }, admin))).toBe('FORBIDDEN');
    expect((await gql(CAMPAIGN, { id }, maintainer)).data.campaign.id).toBe(id);
    expect(codeOf(await gql(CAMPAIGN, { id: '777777' }, admin))).toBe('NOT_FOUND');
    expect(codeOf(await gql(CAMPAIGN, { id }))).toBe('UNAUTHENTICATED');
  });
});
