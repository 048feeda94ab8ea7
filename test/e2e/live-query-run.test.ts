/**
 * Starting live queries over REST (fleet-behavior.md §4, §11 #47-#56) against hosts enrolled
 * through the real osquery API: POST /queries/run and /queries/run_by_names with Fleet's checks in
 * Fleet's order, the live query health routes, the synchronous POST /queries/:id/run, and what the
 * agents see: a campaign's query until they answer it, and only targeted first answers kept.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { testClock } from '../helpers/agents.js';
import { gqlClient, restClient, userToken, type Reply } from '../helpers/clients.js';
import { startApp, type TestApp } from '../helpers/harness.js';
import {
  answerLive,
  enrollHost,
  enrollOfflineHost,
  LIVE_PREFIX,
  liveName,
  liveQueries,
  metricValue,
  runCampaign,
  type LiveHost,
} from '../helpers/live-hosts.js';

const VERSIONS = ['v1', 'latest'] as const;
const NOW = '2024-03-01T12:00:00Z';

const clock = testClock(new Date(NOW));
let t: TestApp;
let rest: ReturnType<typeof restClient>;
let gql: ReturnType<typeof gqlClient>;
let adminId: number;
let h1: LiveHost;
let h2: LiveHost;
let h3: LiveHost;
let outsider: LiveHost;
const queryIds: Record<string, number> = {};
const tokens: Record<string, string> = {};

/** A Fleet error body without its random uuid. */
function fleetError(r: Reply): { status: number; body: unknown } {
  const { uuid, ...body } = (r.body ?? {}) as { uuid?: unknown };
  expect(uuid).toEqual(expect.any(String));
  return { status: r.status, body };
}
const base = (status: number, message: string, reason: string) => ({ status, body: { message, errors: [{ name: 'base', reason }] } });
const PERMISSION_DENIED = { status: 403, body: { message: 'Permission Denied' } };
const NO_QUERY = {
  status: 422,
  body: { message: 'Validation Failed', errors: [{ name: 'query', reason: 'one of query or query_id must be specified' }] },
};
const FORBIDDEN = base(403, 'forbidden', 'forbidden');
const NO_HOSTS = base(400, 'Bad request', 'no hosts targeted');
const BAD_SQL = base(400, 'Bad request', "query payload verification: invalid query's SQL");
const UNKNOWN_QUERY = base(404, 'Resource Not Found', 'Query 9999 was not found in the datastore');
const NO_AUTH = base(401, 'Authorization header required', 'Authorization header required');

const run = (v: string, body: unknown, token = t.adminToken) =>
  rest('POST', `/api/${v}/fleet/queries/run`, body === null ? { token, raw: 'null' } : { token, body });
const runByNames = (v: string, body: unknown, token = t.adminToken) =>
  rest('POST', `/api/${v}/fleet/queries/run_by_names`, body === null ? { token, raw: 'null' } : { token, body });

const setLiveQueriesDisabled = async (disabled: boolean) => {
  const r = await rest('PATCH', '/api/v1/fleet/config', { token: t.adminToken, body: { server_settings: { live_query_disabled: disabled } } });
  expect(r.status).toBe(200);
  expect(r.body.server_settings.live_query_disabled).toBe(disabled);
};

type GqlCampaign = {
  status: string;
  results: { totalCount: number; edges: { node: { host: { id: string }; rows: Record<string, string>[]; error: string | null } }[] };
};
const campaignOverGql = async (id: number): Promise<GqlCampaign> => {
  const r = await gql(
    'query ($id: ID!) { campaign(id: $id) { status results { totalCount edges { node { host { id } rows error } } } } }',
    { id: String(id) },
    t.adminToken,
  );
  expect(r.errors).toBeUndefined();
  return r.data.campaign as GqlCampaign;
};

const savedQueryNames = async () =>
  ((await gql('{ savedQueries { name } }', {}, t.adminToken)).data.savedQueries as { name: string }[]).map((q) => q.name);

beforeAll(async () => {
  t = await startApp({}, { clock: clock.now });
  rest = restClient(t.url);
  gql = gqlClient(t.url);
  const ok = async (path: string, body: unknown) => {
    const r = await rest('POST', path, { token: t.adminToken, body });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  };
  await ok('/api/v1/fleet/spec/enroll_secret', { spec: { secrets: [{ secret: 'global' }] } });
  await ok('/api/v1/fleet/spec/queries', {
    specs: [
      { name: 'observable', query: 'SELECT 1 AS observable', observer_can_run: true },
      { name: 'private', query: 'SELECT 2 AS private', observer_can_run: false },
      { name: 'sync-all', query: "SELECT 'sync-all'" },
      { name: 'sync-timeout', query: "SELECT 'sync-timeout'" },
      { name: 'sync-stream', query: "SELECT 'sync-stream'" },
      { name: 'sync-left', query: "SELECT 'sync-left'" },
    ],
  });
  for (const name of ['observable', 'private', 'sync-all', 'sync-timeout', 'sync-stream', 'sync-left']) {
    queryIds[name] = Number((await gql('query ($n: String!) { savedQuery(name: $n) { id } }', { n: name }, t.adminToken)).data.savedQuery.id);
  }
  adminId = Number((await gql('{ me { id } }', {}, t.adminToken)).data.me.id);
  h1 = await enrollHost(t, 'host1.local');
  h2 = await enrollOfflineHost(t, clock, 'host2.local');
  h3 = await enrollHost(t, 'host3.local');
  // Never targeted: it only ever answers campaigns that are not its own.
  outsider = await enrollHost(t, 'outsider.local');
  tokens.observer = await userToken(t, 'obs@example.com', { global_role: 'observer' });
  tokens.maintainer = await userToken(t, 'maint@example.com', { global_role: 'maintainer' });
});

describe.each(VERSIONS)('POST /api/%s/fleet/queries/run', (v) => {
  it('should create a waiting campaign with PascalCase Metrics that count the offline host (#47)', async () => {
    const r = await run(v, { query: 'SELECT 1', selected: { hosts: [h1.id, h2.id] } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      campaign: {
        created_at: NOW,
        updated_at: NOW,
        Metrics: { TotalHosts: 2, OnlineHosts: 1, OfflineHosts: 1, MissingInActionHosts: 0, NewHosts: 2 },
        id: expect.any(Number),
        query_id: expect.any(Number),
        status: 0,
        user_id: adminId,
      },
    });
    const { id, query_id: queryId } = r.body.campaign as { id: number; query_id: number };
    expect(id).toBeGreaterThan(0);
    expect(queryId).toBeGreaterThan(0);
    expect(Object.values(queryIds)).not.toContain(queryId);
    expect(await liveQueries(t.url, h1)).toMatchObject({ [liveName(id)]: 'SELECT 1' });
    expect(Object.keys(await liveQueries(t.url, h3))).not.toContain(liveName(id));
  });

  it("should run a saved query's SQL, ignoring any `query` given with it", async () => {
    const r = await run(v, { query: 'SELECT 42', query_id: queryIds.observable, selected: { hosts: [h1.id], labels: [], teams: [] } });
    expect(r.status).toBe(200);
    expect(r.body.campaign).toMatchObject({ query_id: queryIds.observable, status: 0, user_id: adminId });
    expect(r.body.campaign.Metrics).toEqual({ TotalHosts: 1, OnlineHosts: 1, OfflineHosts: 0, MissingInActionHosts: 0, NewHosts: 1 });
    expect((await liveQueries(t.url, h1))[liveName(r.body.campaign.id)]).toBe('SELECT 1 AS observable');
  });

  describe('checks, in Fleet order (§4.1)', () => {
    it('1. live queries disabled → 403 Permission Denied before anything else (#56)', async () => {
      await setLiveQueriesDisabled(true);
      try {
        for (const [body, token] of [
          [{ query: 'SELECT 1', selected: { hosts: [h1.id] } }, t.adminToken],
          [{ selected: { hosts: [h1.id] } }, t.adminToken],
          [null, t.adminToken],
          [{ query_id: 9999, selected: { hosts: [h1.id] } }, t.adminToken],
          [{ query: 'SELECT 1' }, t.adminToken],
          [{ query: 'SELECT 1', selected: { hosts: [h1.id] } }, tokens.observer!],
        ] as const) {
          expect(fleetError(await run(v, body, token))).toEqual(PERMISSION_DENIED);
        }
        expect(fleetError(await runByNames(v, { query: 'SELECT 1', selected: { hosts: ['host1.local'] } }))).toEqual(PERMISSION_DENIED);
      } finally {
        await setLiveQueriesDisabled(false);
      }
      expect((await run(v, { query: 'SELECT 1', selected: { hosts: [h1.id] } })).status).toBe(200);
    });

    it('2. neither query nor query_id → 422, also for blank SQL, a null body, and before roles or targets (#48, #49)', async () => {
      for (const [body, token] of [
        [{ selected: { hosts: [h1.id] } }, t.adminToken],
        [{ query: '   ', selected: { hosts: [h1.id] } }, t.adminToken],
        [{ query: '', query_id: null, selected: { hosts: [h1.id] } }, t.adminToken],
        [null, t.adminToken],
        [{}, t.adminToken],
        [{ selected: { hosts: [h1.id] } }, tokens.observer!],
      ] as const) {
        expect(fleetError(await run(v, body, token)), JSON.stringify(body)).toEqual(NO_QUERY);
      }
      expect(fleetError(await runByNames(v, null))).toEqual(NO_QUERY);
      expect(fleetError(await runByNames(v, { query: ' ', selected: { hosts: ['host1.local'] } }))).toEqual(NO_QUERY);
    });

    it('3. an unknown query_id → 404, whoever asks and whatever is targeted (#51)', async () => {
      expect(fleetError(await run(v, { query_id: 9999, selected: { hosts: [h1.id] } }))).toEqual(UNKNOWN_QUERY);
      expect(fleetError(await run(v, { query_id: 9999, selected: { hosts: [h1.id] } }, tokens.observer))).toEqual(UNKNOWN_QUERY);
      expect(fleetError(await run(v, { query_id: 9999 }))).toEqual(UNKNOWN_QUERY);
      expect(fleetError(await runByNames(v, { query_id: 9999, selected: { hosts: ['host1.local'] } }))).toEqual(UNKNOWN_QUERY);
    });

    it('4. an observer may not run new SQL, nor a saved query without observer_can_run → 403, before SQL or targets are checked (#52)', async () => {
      for (const body of [
        { query: 'SELECT 1', selected: { hosts: [h1.id] } },
        { query: "ATTACH DATABASE '/tmp/x.db' AS x", selected: { hosts: [h1.id] } },
        { query: 'SELECT 1' },
        { query_id: queryIds.private, selected: { hosts: [h1.id] } },
      ]) {
        expect(fleetError(await run(v, body, tokens.observer)), JSON.stringify(body)).toEqual(FORBIDDEN);
      }
      expect(fleetError(await runByNames(v, { query: 'SELECT 1', selected: { hosts: ['host1.local'] } }, tokens.observer))).toEqual(FORBIDDEN);
    });

    it('4. an observer may run a saved query with observer_can_run, on every host it may then see', async () => {
      const r = await run(v, { query_id: queryIds.observable, selected: { hosts: [h1.id, h2.id] } }, tokens.observer);
      expect(r.status).toBe(200);
      expect(r.body.campaign).toMatchObject({ query_id: queryIds.observable, status: 0 });
      expect(r.body.campaign.Metrics).toMatchObject({ TotalHosts: 2, OnlineHosts: 1, OfflineHosts: 1 });
      expect(r.body.campaign.user_id).not.toBe(adminId);
      const byNames = await runByNames(v, { query_id: queryIds.observable, selected: { hosts: ['host1.local'] } }, tokens.observer);
      expect(byNames.status).toBe(200);
      expect(byNames.body.campaign.Metrics.TotalHosts).toBe(1);
    });

    it('ATTACH SQL → 400 before targets are resolved', async () => {
      for (const sql of ["ATTACH DATABASE '/tmp/x.db' AS x", "attach  '/etc/passwd'  as  pw; SELECT 1"]) {
        expect(fleetError(await run(v, { query: sql, selected: { hosts: [h1.id] } }))).toEqual(BAD_SQL);
        expect(fleetError(await run(v, { query: sql }, tokens.maintainer))).toEqual(BAD_SQL);
      }
    });

    it('no hosts targeted → 400, and nothing is left behind (#50)', async () => {
      const before = await runCampaignJson(v, { query: 'SELECT 1', selected: { hosts: [h1.id] } });
      const names = await savedQueryNames();
      for (const body of [
        { query: 'SELECT 1' },
        { query: 'SELECT 1', selected: { hosts: [], labels: [], teams: [] } },
        { query: 'SELECT 1', selected: { hosts: null, labels: null, teams: null } },
        { query: 'SELECT 1', selected: { hosts: [999_999] } },
        { query_id: queryIds.observable, selected: { hosts: [999_999] } },
      ]) {
        expect(fleetError(await run(v, body)), JSON.stringify(body)).toEqual(NO_HOSTS);
      }
      // An observer sees no host for a query without observer_can_run... which it may not run anyway;
      // with an observable query it sees them all, so only an empty selection leaves it with none.
      expect(fleetError(await run(v, { query_id: queryIds.observable }, tokens.observer))).toEqual(NO_HOSTS);
      // Neither a campaign nor an ad-hoc query row was written: the next ids follow on directly.
      const after = await runCampaignJson(v, { query: 'SELECT 1', selected: { hosts: [h1.id] } });
      expect(after.id).toBe(before.id + 1);
      expect(after.query_id).toBe(before.query_id + 1);
      expect(await savedQueryNames()).toEqual(names);
    });
  });
});

/** Runs a campaign that must succeed and answers its JSON. */
async function runCampaignJson(v: string, body: unknown): Promise<{ id: number; query_id: number; Metrics: Record<string, number> }> {
  const r = await run(v, body);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.campaign;
}

describe.each(VERSIONS)('POST /api/%s/fleet/queries/run_by_names', (v) => {
  it('should ignore unknown hostnames (#53)', async () => {
    const r = await runByNames(v, { query: 'SELECT 1', selected: { hosts: ['host1.local', 'nosuch'] } });
    expect(r.status).toBe(200);
    expect(r.body.campaign).toMatchObject({ status: 0, user_id: adminId, created_at: NOW });
    expect(r.body.campaign.Metrics).toEqual({ TotalHosts: 1, OnlineHosts: 1, OfflineHosts: 0, MissingInActionHosts: 0, NewHosts: 1 });
    expect(Object.keys(await liveQueries(t.url, h1))).toContain(liveName(r.body.campaign.id));
  });

  it('should answer "no hosts targeted" when no name is known', async () => {
    for (const selected of [{ hosts: ['nosuch', 'nope'] }, { hosts: [], labels: [] }, undefined]) {
      expect(fleetError(await runByNames(v, { query: 'SELECT 1', ...(selected ? { selected } : {}) }))).toEqual(NO_HOSTS);
    }
  });

  it('should refuse unknown label names, listing them', async () => {
    expect(fleetError(await runByNames(v, { query: 'SELECT 1', selected: { labels: ['nope', 'zilch'] } }))).toEqual(
      base(400, 'Bad request', '[nope, zilch] Invalid label name(s):'),
    );
    expect(fleetError(await runByNames(v, { query: 'SELECT 1', selected: { hosts: ['host1.local'], labels: ['All Hosts', 'nope'] } }))).toEqual(
      base(400, 'Bad request', '[nope] Invalid label name(s):'),
    );
  });

  it('should target every host with the label "All Hosts" (#54)', async () => {
    const r = await runByNames(v, { query: 'SELECT 1', selected: { labels: ['All Hosts'] } });
    expect(r.status).toBe(200);
    expect(r.body.campaign.Metrics).toEqual({ TotalHosts: 4, OnlineHosts: 3, OfflineHosts: 1, MissingInActionHosts: 0, NewHosts: 4 });
  });
});

describe.each(VERSIONS)('GET /api/%s/fleet/status/*', (v) => {
  it('should answer 200 {} to any user, 401 without a token, and 403 for live queries once disabled (#55, #56)', async () => {
    for (const path of ['live_query', 'result_store']) {
      for (const token of [t.adminToken, tokens.observer!, tokens.maintainer!]) {
        const r = await rest('GET', `/api/${v}/fleet/status/${path}`, { token });
        expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
      }
      expect(fleetError(await rest('GET', `/api/${v}/fleet/status/${path}`))).toEqual(NO_AUTH);
    }
    await setLiveQueriesDisabled(true);
    try {
      expect(fleetError(await rest('GET', `/api/${v}/fleet/status/live_query`, { token: t.adminToken }))).toEqual(PERMISSION_DENIED);
      expect(fleetError(await rest('GET', `/api/${v}/fleet/status/live_query`, { token: tokens.observer }))).toEqual(PERMISSION_DENIED);
      const store = await rest('GET', `/api/${v}/fleet/status/result_store`, { token: t.adminToken });
      expect({ status: store.status, body: store.body }).toEqual({ status: 200, body: {} });
    } finally {
      await setLiveQueriesDisabled(false);
    }
  });
});

/** Reads `host`'s live queries until one runs `sql`; answers that campaign's id. */
async function campaignRunning(host: LiveHost, sql: string, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = Object.entries(await liveQueries(t.url, host)).find(([, q]) => q === sql);
    if (found) return Number(found[0].slice(LIVE_PREFIX.length));
    if (Date.now() > deadline) throw new Error(`no live query ${sql} for ${host.name}`);
  }
}

describe('POST /queries/:id/run (synchronous)', () => {
  it('should answer as soon as every targeted online host has answered', async () => {
    let settled = false;
    const started = Date.now();
    const pending = rest('POST', `/api/latest/fleet/queries/${queryIds['sync-all']}/run`, {
      token: t.adminToken,
      body: { host_ids: [h1.id, h2.id, h3.id], timeout_seconds: 30 },
    }).finally(() => (settled = true));
    const campaignId = await campaignRunning(h1, "SELECT 'sync-all'");
    expect(await liveQueries(t.url, h3)).toMatchObject({ [liveName(campaignId)]: "SELECT 'sync-all'" });
    await answerLive(t.url, h1, campaignId, [{ answer: 'one' }, { answer: 'two' }]);
    expect(settled).toBe(false);
    await answerLive(t.url, h3, campaignId, { status: 1, message: 'no such table: sync' });
    const r = await pending;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect({ status: r.status, body: r.body }).toEqual({
      status: 200,
      body: {
        query_id: queryIds['sync-all'],
        targeted_host_count: 3,
        responded_host_count: 2,
        results: [
          {
            host_id: h1.id,
            rows: [
              { answer: 'one', host_hostname: 'host1.local', host_display_name: 'host1.local' },
              { answer: 'two', host_hostname: 'host1.local', host_display_name: 'host1.local' },
            ],
            error: null,
          },
          { host_id: h3.id, rows: [], error: 'no such table: sync' },
        ],
      },
    });
    expect((await campaignOverGql(campaignId)).status).toBe('COMPLETE');
  });

  it('should answer at the timeout with the hosts that answered, and complete the campaign', async () => {
    const started = Date.now();
    const pending = rest('POST', `/api/v1/fleet/queries/${queryIds['sync-timeout']}/run`, {
      token: t.adminToken,
      body: { host_ids: [h1.id, h3.id], timeout_seconds: 1 },
    });
    const campaignId = await campaignRunning(h3, "SELECT 'sync-timeout'");
    await answerLive(t.url, h1, campaignId, [{ late: 'no' }]);
    const r = await pending;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect({ status: r.status, body: r.body }).toEqual({
      status: 200,
      body: {
        query_id: queryIds['sync-timeout'],
        targeted_host_count: 2,
        responded_host_count: 1,
        results: [{ host_id: h1.id, rows: [{ late: 'no', host_hostname: 'host1.local', host_display_name: 'host1.local' }], error: null }],
      },
    });
    // h3 had the query but never answered; the campaign is over, so it is not asked again.
    expect(Object.keys(await liveQueries(t.url, h3))).not.toContain(liveName(campaignId));
    expect((await campaignOverGql(campaignId)).status).toBe('COMPLETE');
  });
});

/** Reads `body` until its text so far contains `needle`; answers that text. */
async function readUntil(body: ReadableStreamDefaultReader<Uint8Array>, needle: string, timeoutMs = 5000): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  const late = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${needle} in ${text}`)), timeoutMs).unref());
  while (!text.includes(needle)) {
    const { value, done } = await Promise.race([body.read(), late]);
    if (done) throw new Error(`the answer ended without ${needle}: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

describe('POST /queries/:id/run (synchronous), sent while hosts answer', () => {
  const post = (name: string, hostIds: number[], signal?: AbortSignal) =>
    fetch(`${t.url}/api/v1/fleet/queries/${queryIds[name]}/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ host_ids: hostIds, timeout_seconds: 30 }),
      signal,
    });

  it('should send the first host\'s result before the last host has answered, and end with the count', async () => {
    const res = await post('sync-stream', [h1.id, h3.id]);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const campaignId = await campaignRunning(h1, "SELECT 'sync-stream'");
    await answerLive(t.url, h1, campaignId, [{ first: 'yes' }]);
    const body = res.body!.getReader();
    const early = await readUntil(body, '"first":"yes"');
    expect(early.startsWith(`{"query_id":${queryIds['sync-stream']},"targeted_host_count":2,"results":[`)).toBe(true);
    expect(early).not.toContain('responded_host_count');
    await answerLive(t.url, h3, campaignId, { status: 1, message: 'late failure' });
    const text = early + (await readUntil(body, 'responded_host_count'));
    expect((await body.read()).done).toBe(true);
    expect(JSON.parse(text)).toEqual({
      query_id: queryIds['sync-stream'],
      targeted_host_count: 2,
      responded_host_count: 2,
      results: [
        { host_id: h1.id, rows: [{ first: 'yes', host_hostname: 'host1.local', host_display_name: 'host1.local' }], error: null },
        { host_id: h3.id, rows: [], error: 'late failure' },
      ],
    });
    expect((await campaignOverGql(campaignId)).status).toBe('COMPLETE');
  });

  it('should answer at once, as valid JSON with no results, when no targeted host is online', async () => {
    const res = await post('sync-stream', [h2.id]);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ query_id: queryIds['sync-stream'], targeted_host_count: 1, responded_host_count: 0, results: [] });
  });

  it('should complete the campaign as soon as its client leaves, not at the 30 s timeout', async () => {
    const abort = new AbortController();
    const res = await post('sync-left', [h1.id, h3.id], abort.signal);
    const campaignId = await campaignRunning(h1, "SELECT 'sync-left'");
    await readUntil(res.body!.getReader(), '"results":[');
    abort.abort();
    await expect.poll(async () => (await campaignOverGql(campaignId)).status, { timeout: 5000 }).toBe('COMPLETE');
    // Neither host answered; with the campaign over neither is asked again.
    for (const h of [h1, h3]) expect(Object.keys(await liveQueries(t.url, h))).not.toContain(liveName(campaignId));
  });
});

describe('agents and a campaign', () => {
  it('should send a host the campaign query on every read until it answers, then never again (#63, #66)', async () => {
    const campaignId = await runCampaign(t, [h1.id], { query: 'SELECT * FROM uptime' });
    for (let i = 0; i < 2; i++) expect(await liveQueries(t.url, h1)).toMatchObject({ [liveName(campaignId)]: 'SELECT * FROM uptime' });
    const w = await answerLive(t.url, h1, campaignId, [{ total_seconds: '42' }]);
    expect({ status: w.status, body: w.body }).toEqual({ status: 200, body: {} });
    for (let i = 0; i < 2; i++) expect(Object.keys(await liveQueries(t.url, h1))).not.toContain(liveName(campaignId));
    const c = await campaignOverGql(campaignId);
    expect(c.results.totalCount).toBe(1);
    expect(c.results.edges[0]!.node).toEqual({
      host: { id: String(h1.id) },
      rows: [{ total_seconds: '42' }],
      error: null,
    });
  });

  it('should ignore (and count) an answer from a host the campaign did not target', async () => {
    const campaignId = await runCampaign(t, [h1.id]);
    const ignored = await metricValue(t.url, 'fleetgraph_live_results_ignored');
    const w = await answerLive(t.url, outsider, campaignId, [{ sneaky: '1' }]);
    expect({ status: w.status, body: w.body }).toEqual({ status: 200, body: {} });
    expect(await metricValue(t.url, 'fleetgraph_live_results_ignored')).toBe(ignored + 1);
    expect((await campaignOverGql(campaignId)).results.totalCount).toBe(0);
    await answerLive(t.url, h1, campaignId, [{ honest: '1' }]);
    const c = await campaignOverGql(campaignId);
    expect(c.results.edges.map((e) => e.node.host.id)).toEqual([String(h1.id)]);
    // The targeted host still gets its query until it answered; the outsider never did.
    expect(Object.keys(await liveQueries(t.url, outsider))).not.toContain(liveName(campaignId));
  });

  it("should ignore (and count) a host's second answer", async () => {
    const campaignId = await runCampaign(t, [h1.id, h3.id]);
    await answerLive(t.url, h1, campaignId, [{ n: 'first' }]);
    const ignored = await metricValue(t.url, 'fleetgraph_live_results_ignored');
    await answerLive(t.url, h1, campaignId, [{ n: 'second' }]);
    await answerLive(t.url, h1, campaignId, { status: 1, message: 'third' });
    expect(await metricValue(t.url, 'fleetgraph_live_results_ignored')).toBe(ignored + 2);
    await answerLive(t.url, h3, campaignId, [{ n: 'other' }]);
    const c = await campaignOverGql(campaignId);
    expect(c.results.edges.map((e) => [e.node.host.id, e.node.rows.map((r) => r.n), e.node.error])).toEqual([
      [String(h1.id), ['first'], null],
      [String(h3.id), ['other'], null],
    ]);
  });
});
