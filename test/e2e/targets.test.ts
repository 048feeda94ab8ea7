/**
 * Target counts and search over real enrolled hosts (fleet-behavior.md §3, §11 #41-#46): hosts
 * enroll and check in over the osquery API; users see them through /targets, /targets/count and
 * /hosts/search according to their roles.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkIn, detail, enroll, flagRows, hostDetails, labelQuery, testClock, type Rows } from '../helpers/agents.js';
import { errorOf, gqlClient, restClient, userToken, type Reply } from '../helpers/clients.js';
import { startApp, type TestApp } from '../helpers/harness.js';

type HostJson = { id: number; hostname: string; status: string; display_text: string; primary_ip: string; team_id: number | null };
type Selected = { hosts?: number[]; labels?: number[]; teams?: number[] };

const FORBIDDEN = { status: 403, message: 'forbidden', errors: [{ name: 'base', reason: 'forbidden' }] };
const NO_QUERY = { status: 404, message: 'Resource Not Found', errors: [{ name: 'base', reason: 'Query 9999 was not found in the datastore' }] };
const ZERO = { targets_count: 0, targets_online: 0, targets_offline: 0 };
const BULK = 9;
const TOTAL = 3 + BULK;

const clock = testClock();
let t: TestApp;
let rest: ReturnType<typeof restClient>;
let alphaId: number;
let betaId: number;
const label: Record<string, number> = {};
const host: Record<string, number> = {};
let bulkIds: number[];
let observableQueryId: number;
let privateQueryId: number;
const tokens: Record<string, string> = {};

const count = async (selected: Selected | undefined, token = t.adminToken, extra: Record<string, unknown> = {}): Promise<Reply> =>
  rest('POST', '/api/v1/fleet/targets/count', { token, body: { ...(selected ? { selected } : {}), ...extra } });

const counts = async (selected: Selected, token = t.adminToken, extra: Record<string, unknown> = {}) => {
  const r = await count(selected, token, extra);
  expect(r.status).toBe(200);
  return r.body as typeof ZERO;
};

const search = async (query: string, token = t.adminToken, extra: Record<string, unknown> = {}): Promise<HostJson[]> => {
  const r = await rest('POST', '/api/v1/fleet/hosts/search', { token, body: { query, ...extra } });
  expect(r.status).toBe(200);
  return r.body.hosts as HostJson[];
};

const targets = (query: string, selected: Selected, token = t.adminToken, extra: Record<string, unknown> = {}) =>
  rest('POST', '/api/v1/fleet/targets', { token, body: { query, selected: { hosts: [], labels: [], teams: [], ...selected }, ...extra } });

/** Enrolls a host, reports its intervals and answers the given label queries, as osquery would. */
async function agent(name: string, secret: string, platform: string, ip: string, labels: string[]): Promise<number> {
  const key = await enroll(t.url, secret, `id-${name}`, hostDetails({ hostname: name, platform, uuid: `uuid-${name}` }));
  const answers: Record<string, Rows> = {
    [detail('osquery_flags')]: flagRows(10, 10),
    [detail('network_interface_unix')]: [{ interface: 'en0', address: ip, mac: '02:00:00:00:00:01' }],
  };
  for (const l of labels) answers[labelQuery(label[l]!)] = [{ 1: '1' }];
  await checkIn(t.url, key, answers);
  const found = (await search(`uuid-${name}`)).filter((h) => h.hostname === name);
  expect(found).toHaveLength(1);
  return found[0]!.id;
}

beforeAll(async () => {
  // Sessions must outlive the 30 days the missing-in-action test moves the clock.
  t = await startApp({ sessionDuration: 60 * 24 * 3600 }, { clock: clock.now });
  rest = restClient(t.url);
  const gql = gqlClient(t.url);
  const ok = async (path: string, body: unknown) => {
    const r = await rest('POST', path, { token: t.adminToken, body });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  };
  await ok('/api/v1/fleet/spec/enroll_secret', { spec: { secrets: [{ secret: 'global' }] } });
  await ok('/api/v1/fleet/spec/teams', {
    specs: [
      { name: 'alpha', secrets: [{ secret: 'alpha-secret' }] },
      { name: 'beta', secrets: [{ secret: 'beta-secret' }] },
    ],
  });
  await ok('/api/v1/fleet/spec/labels', { specs: [{ name: 'web', query: "SELECT 1 FROM processes WHERE name = 'nginx'" }] });
  await ok('/api/v1/fleet/spec/queries', {
    specs: [
      { name: 'observable', query: 'SELECT 1', observer_can_run: true },
      { name: 'private', query: 'SELECT 2', observer_can_run: false },
    ],
  });
  const data = (
    await gql(
      `{ teams { id name } labels { id name }
         observable: savedQuery(name: "observable") { id } private: savedQuery(name: "private") { id } }`,
      {},
      t.adminToken,
    )
  ).data;
  const teams = data.teams as { id: string; name: string }[];
  alphaId = Number(teams.find((x) => x.name === 'alpha')!.id);
  betaId = Number(teams.find((x) => x.name === 'beta')!.id);
  for (const l of data.labels as { id: string; name: string }[]) label[l.name] = Number(l.id);
  observableQueryId = Number(data.observable.id);
  privateQueryId = Number(data.private.id);

  // host2 last checked in ten minutes ago; every other host just now.
  host.h1 = await agent('host1.local', 'alpha-secret', 'darwin', '10.0.0.1', ['All Hosts', 'macOS', 'web']);
  clock.advance(-600);
  host.h2 = await agent('host2.local', 'global', 'ubuntu', '10.0.0.2', ['All Hosts', 'Ubuntu Linux']);
  clock.advance(600);
  host.h3 = await agent('host3.local', 'beta-secret', 'windows', '10.0.0.3', ['All Hosts', 'MS Windows', 'web']);
  bulkIds = [];
  for (let i = 1; i <= BULK; i++) bulkIds.push(await agent(`bulk-${i}.example.org`, 'global', 'ubuntu', `10.0.1.${i}`, ['All Hosts']));

  tokens.maintainer = await userToken(t, 'maint@example.com', { global_role: 'maintainer' });
  tokens.observer = await userToken(t, 'obs@example.com', { global_role: 'observer' });
  tokens.observerPlus = await userToken(t, 'obs-plus@example.com', { global_role: 'observer_plus' });
  tokens.gitops = await userToken(t, 'gitops@example.com', { global_role: 'gitops' });
  tokens.alphaMaintainer = await userToken(t, 'alpha-maint@example.com', { teams: [{ id: alphaId, role: 'maintainer' }] });
  tokens.alphaObserver = await userToken(t, 'alpha-obs@example.com', { teams: [{ id: alphaId, role: 'observer' }] });
  tokens.alphaObserverPlus = await userToken(t, 'alpha-obs-plus@example.com', { teams: [{ id: alphaId, role: 'observer_plus' }] });
});

describe('POST /targets/count', () => {
  it('should count explicit hosts with their online and offline split under every API version (#41)', async () => {
    for (const v of ['v1', 'latest', '2022-04']) {
      const r = await rest('POST', `/api/${v}/fleet/targets/count`, { token: t.adminToken, body: { selected: { hosts: [host.h1, host.h2] } } });
      expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: { targets_count: 2, targets_online: 1, targets_offline: 1 } });
    }
  });

  it('should answer zeros when nothing is selected (#42)', async () => {
    for (const selected of [{}, { hosts: [], labels: [], teams: [] }, undefined]) {
      const r = await count(selected);
      expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: ZERO });
    }
    const nulls = await rest('POST', '/api/v1/fleet/targets/count', { token: t.adminToken, body: { selected: { hosts: null, labels: null, teams: null } } });
    expect(nulls.body).toEqual(ZERO);
  });

  it('should select every host with the built-in "All Hosts" label', async () => {
    expect(await counts({ labels: [label['All Hosts']!] })).toEqual({ targets_count: TOTAL, targets_online: TOTAL - 1, targets_offline: 1 });
  });

  it('should count the members of a custom label, and of either of two built-in labels', async () => {
    expect(await counts({ labels: [label.web!] })).toMatchObject({ targets_count: 2 });
    expect(await counts({ labels: [label.macOS!, label['MS Windows']!] })).toMatchObject({ targets_count: 2 });
  });

  it('should intersect built-in labels, custom labels and teams', async () => {
    expect(await counts({ labels: [label.web!], teams: [alphaId] })).toMatchObject({ targets_count: 1 });
    expect(await counts({ labels: [label.web!], teams: [alphaId, betaId] })).toMatchObject({ targets_count: 2 });
    expect(await counts({ labels: [label.macOS!, label.web!] })).toMatchObject({ targets_count: 1 });
    expect(await counts({ labels: [label['Ubuntu Linux']!, label.web!] })).toMatchObject({ targets_count: 0 });
    expect(await counts({ labels: [label.web!], teams: [0] })).toMatchObject({ targets_count: 0 });
  });

  it('should always include explicitly selected hosts', async () => {
    expect(await counts({ hosts: [host.h2!], labels: [label.web!], teams: [alphaId] })).toEqual({
      targets_count: 2,
      targets_online: 1,
      targets_offline: 1,
    });
  });

  it('should read team 0 as the hosts on no team', async () => {
    expect(await counts({ teams: [0] })).toEqual({ targets_count: 1 + BULK, targets_online: BULK, targets_offline: 1 });
    expect(await counts({ teams: [0, betaId] })).toMatchObject({ targets_count: 2 + BULK });
    expect(await counts({ teams: [alphaId] })).toEqual({ targets_count: 1, targets_online: 1, targets_offline: 0 });
  });

  it('should count nothing for labels or teams that do not exist', async () => {
    expect(await counts({ labels: [99_999] })).toEqual(ZERO);
    expect(await counts({ teams: [99_999] })).toEqual(ZERO);
    expect(await counts({ hosts: [99_999] })).toEqual(ZERO);
  });

  it('should let admins, maintainers and observer_plus users count every host', async () => {
    for (const token of [t.adminToken, tokens.maintainer!, tokens.observerPlus!]) {
      expect(await counts({ labels: [label['All Hosts']!] }, token)).toMatchObject({ targets_count: TOTAL });
    }
  });

  it('should show a global observer no hosts unless the query lets observers run it (#43)', async () => {
    expect(await counts({ hosts: [host.h1!] }, tokens.observer)).toEqual(ZERO);
    expect(await counts({ labels: [label['All Hosts']!] }, tokens.observer, { query_id: privateQueryId })).toEqual(ZERO);
    expect(await counts({ labels: [label['All Hosts']!] }, tokens.observer, { query_id: observableQueryId })).toMatchObject({
      targets_count: TOTAL,
    });
  });

  it("should show team members only their team's hosts, team observers only for observer-runnable queries", async () => {
    const all = { labels: [label['All Hosts']!] };
    expect(await counts(all, tokens.alphaMaintainer)).toEqual({ targets_count: 1, targets_online: 1, targets_offline: 0 });
    expect(await counts({ hosts: [host.h2!, host.h3!] }, tokens.alphaMaintainer)).toEqual(ZERO);
    expect(await counts(all, tokens.alphaObserver)).toEqual(ZERO);
    expect(await counts(all, tokens.alphaObserver, { query_id: observableQueryId })).toMatchObject({ targets_count: 1 });
    expect(await counts(all, tokens.alphaObserverPlus)).toMatchObject({ targets_count: 1 });
  });

  it('should refuse a global gitops user with 403', async () => {
    expect(errorOf(await count({ hosts: [host.h1!] }, tokens.gitops))).toEqual(FORBIDDEN);
  });

  it('should answer 404 for an unknown query_id', async () => {
    expect(errorOf(await count({ hosts: [host.h1!] }, t.adminToken, { query_id: 9999 }))).toEqual(NO_QUERY);
  });

  it('should answer 401 without a token', async () => {
    const r = await rest('POST', '/api/v1/fleet/targets/count', { body: { selected: { hosts: [host.h1] } } });
    expect(r.status).toBe(401);
  });

  it('should count a selection of 40,000 host ids, more than SQLite binds in one statement', async () => {
    const unknown = Array.from({ length: 40_000 - 2 }, (_, i) => 1_000_000 + i);
    const r = await count({ hosts: [host.h1!, ...unknown, host.h2!] });
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: { targets_count: 2, targets_online: 1, targets_offline: 1 } });
  });

  it('should answer 400 for ids that are not integers', async () => {
    const r = await count({ hosts: ['one' as unknown as number] });
    expect(errorOf(r)).toEqual({ status: 400, message: 'Bad request', errors: [{ name: 'base', reason: 'json decoder error' }] });
  });
});

describe('POST /hosts/search', () => {
  it('should find hosts by hostname substring, case-insensitively, in Fleet host JSON', async () => {
    const found = await search('OST1');
    expect(found.map((h) => h.hostname)).toEqual(['host1.local']);
    expect(found[0]).toMatchObject({ id: host.h1, status: 'online', display_text: 'host1.local', primary_ip: '10.0.0.1', team_id: alphaId });
  });

  it('should find a host by its primary ip', async () => {
    expect((await search('10.0.0.2')).map((h) => h.hostname)).toEqual(['host2.local']);
    expect((await search('10.0.0.2'))[0]!.status).toBe('offline');
  });

  it('should answer at most ten hosts, newest id first, leaving out the excluded ones (#45)', async () => {
    const newest = bulkIds[bulkIds.length - 1]!;
    const found = await search('', t.adminToken, { excluded_host_ids: [newest] });
    const ids = found.map((h) => h.id);
    const expected = [host.h1!, host.h2!, host.h3!, ...bulkIds].filter((id) => id !== newest).sort((a, b) => b - a).slice(0, 10);
    expect(ids).toEqual(expected);

    const withoutH1 = (await search('host', t.adminToken, { excluded_host_ids: [host.h1] })).map((h) => h.hostname);
    expect(withoutH1).toEqual(['host3.local', 'host2.local']);
  });

  it('should leave out 40,000 excluded ids, more than SQLite binds in one statement', async () => {
    const excluded = [...Array.from({ length: 40_000 - BULK }, (_, i) => 1_000_000 + i), ...bulkIds];
    const r = await rest('POST', '/api/v1/fleet/hosts/search', { token: t.adminToken, body: { query: '', excluded_host_ids: excluded } });
    expect(r.status).toBe(200);
    expect((r.body.hosts as HostJson[]).map((h) => h.hostname)).toEqual(['host3.local', 'host2.local', 'host1.local']);
  });

  it('should answer an empty list when nothing matches, taking % and _ literally', async () => {
    expect(await search('no-such-host')).toEqual([]);
    expect(await search('%')).toEqual([]);
    expect(await search('host_.local')).toEqual([]);
  });

  it("should show team members only their team's hosts and observers none without an observer query", async () => {
    expect((await search('', tokens.alphaMaintainer)).map((h) => h.hostname)).toEqual(['host1.local']);
    expect(await search('', tokens.observer)).toEqual([]);
    expect(await search('host', tokens.observer, { query_id: observableQueryId })).toHaveLength(3);
    expect((await search('', tokens.alphaObserver, { query_id: observableQueryId })).map((h) => h.hostname)).toEqual(['host1.local']);
  });

  it('should refuse gitops with 403 and answer 404 for an unknown query_id', async () => {
    expect(errorOf(await rest('POST', '/api/v1/fleet/hosts/search', { token: tokens.gitops, body: { query: '' } }))).toEqual(FORBIDDEN);
    expect(errorOf(await rest('POST', '/api/v1/fleet/hosts/search', { token: t.adminToken, body: { query: '', query_id: 9999 } }))).toEqual(
      NO_QUERY,
    );
  });
});

describe('POST /targets', () => {
  it('should answer matching hosts with status and display text, and counts of the (empty) selection (#44)', async () => {
    const r = await targets('host1', {});
    expect(r.status).toBe(200);
    expect(r.body.targets.hosts).toHaveLength(1);
    expect(r.body.targets.hosts[0]).toMatchObject({ hostname: 'host1.local', status: 'online', display_text: 'host1.local' });
    expect(r.body).toMatchObject({ ...ZERO, targets_missing_in_action: 0 });
    expect(Array.isArray(r.body.targets.labels)).toBe(true);
    expect(Array.isArray(r.body.targets.teams)).toBe(true);
    expect(Object.keys(r.body).sort()).toEqual(['targets', 'targets_count', 'targets_missing_in_action', 'targets_offline', 'targets_online']);
  });

  it('should list labels (built-in first) and teams with display text and host counts', async () => {
    const r = await targets('', {});
    const labels = r.body.targets.labels as { id: number; name: string; display_text: string; count: number; label_type: string }[];
    expect(labels.map((l) => l.name)).toEqual(['All Hosts', 'macOS', 'Ubuntu Linux', 'CentOS Linux', 'MS Windows', 'Red Hat Linux', 'All Linux', 'web']);
    const byName = Object.fromEntries(labels.map((l) => [l.name, l]));
    expect(byName['All Hosts']).toMatchObject({ id: label['All Hosts'], display_text: 'All Hosts', count: TOTAL, label_type: 'builtin' });
    expect(byName.macOS).toMatchObject({ display_text: 'macOS', count: 1 });
    expect(byName['CentOS Linux']).toMatchObject({ count: 0 });
    expect(byName.web).toMatchObject({ display_text: 'web', count: 2, label_type: 'regular' });
    expect(r.body.targets.teams).toEqual([
      { id: alphaId, name: 'alpha', description: '', display_text: 'alpha', count: 1 },
      { id: betaId, name: 'beta', description: '', display_text: 'beta', count: 1 },
    ]);
  });

  it('should leave selected hosts, labels and teams out of the results and count the selection', async () => {
    const r = await targets('', { hosts: [host.h3!], labels: [label.web!], teams: [alphaId] });
    expect(r.status).toBe(200);
    const hostIds = (r.body.targets.hosts as HostJson[]).map((h) => h.id);
    expect(hostIds).not.toContain(host.h3);
    expect(hostIds).toHaveLength(10);
    expect((r.body.targets.labels as { name: string }[]).map((l) => l.name)).not.toContain('web');
    expect((r.body.targets.teams as { name: string }[]).map((x) => x.name)).toEqual(['beta']);
    expect(r.body).toMatchObject({ targets_count: 2, targets_online: 2, targets_offline: 0, targets_missing_in_action: 0 });
  });

  it('should filter labels and teams by name with the query', async () => {
    const labels = await targets('we', {});
    expect((labels.body.targets.labels as { name: string }[]).map((l) => l.name)).toEqual(['web']);
    expect(labels.body.targets.teams).toEqual([]);
    const teams = await targets('ALP', {});
    expect((teams.body.targets.teams as { name: string }[]).map((x) => x.name)).toEqual(['alpha']);
    expect(teams.body.targets.hosts).toEqual([]);
  });

  it("should show a team maintainer only their team's hosts, team and label counts", async () => {
    const r = await targets('', { labels: [label['All Hosts']!] }, tokens.alphaMaintainer);
    expect(r.status).toBe(200);
    expect((r.body.targets.hosts as HostJson[]).map((h) => h.hostname)).toEqual(['host1.local']);
    expect(r.body.targets.teams).toEqual([{ id: alphaId, name: 'alpha', description: '', display_text: 'alpha', count: 1 }]);
    expect((r.body.targets.labels as { name: string; count: number }[]).find((l) => l.name === 'web')?.count).toBe(1);
    expect(r.body).toMatchObject({ targets_count: 1, targets_online: 1, targets_offline: 0 });
  });

  it('should show a global observer no hosts unless the query lets observers run it', async () => {
    const none = await targets('', { labels: [label['All Hosts']!] }, tokens.observer);
    expect(none.body.targets.hosts).toEqual([]);
    expect(none.body).toMatchObject(ZERO);
    const some = await targets('', { labels: [label['All Hosts']!] }, tokens.observer, { query_id: observableQueryId });
    expect(some.body.targets.hosts).toHaveLength(10);
    expect(some.body).toMatchObject({ targets_count: TOTAL });
  });

  it('should refuse gitops with 403 and answer 404 for an unknown query_id', async () => {
    expect(errorOf(await targets('', {}, tokens.gitops))).toEqual(FORBIDDEN);
    expect(errorOf(await targets('', {}, t.adminToken, { query_id: 9999 }))).toEqual(NO_QUERY);
  });

  it('should not serve /targets/search (#46)', async () => {
    for (const v of ['v1', 'latest']) {
      const r = await rest('POST', `/api/${v}/fleet/targets/search`, { token: t.adminToken, body: { query: '' } });
      expect(errorOf(r)).toEqual({ status: 404, message: 'Resource Not Found', errors: [{ name: 'base', reason: 'Resource Not Found' }] });
    }
  });
});

describe('manual labels over enrolled hosts', () => {
  it('should resolve hostnames to enrolled hosts, ignoring unknown ones, and target them', async () => {
    const r = await rest('POST', '/api/v1/fleet/spec/labels', {
      token: t.adminToken,
      body: { specs: [{ name: 'vip', label_membership_type: 'manual', hosts: ['host2.local', 'host3.local', 'nosuch.local'] }] },
    });
    expect(r.status).toBe(200);
    const got = await rest('GET', '/api/v1/fleet/spec/labels/vip', { token: t.adminToken });
    expect(got.body.specs).toMatchObject({ name: 'vip', label_membership_type: 'manual', hosts: ['host2.local', 'host3.local'] });
    const vipId = (await targets('vip', {})).body.targets.labels[0].id as number;
    expect(await counts({ labels: [vipId] })).toEqual({ targets_count: 2, targets_online: 1, targets_offline: 1 });
    expect(await counts({ labels: [vipId], teams: [betaId] })).toEqual({ targets_count: 1, targets_online: 1, targets_offline: 0 });

    await rest('POST', '/api/v1/fleet/spec/labels', {
      token: t.adminToken,
      body: { specs: [{ name: 'vip', label_membership_type: 'manual', hosts: [] }] },
    });
    expect(await counts({ labels: [vipId] })).toEqual(ZERO);
  });
});

describe('label members over GraphQL', () => {
  type LabelMembers = { name: string; hostnames: string[]; hosts: { hostname: string }[] };
  const members = async (token: string) => {
    const r = await gqlClient(t.url)('{ labels { name hostnames hosts { hostname } } }', {}, token);
    expect(r.errors).toBeUndefined();
    return Object.fromEntries(
      (r.data.labels as LabelMembers[]).map((l) => [l.name, { hostnames: l.hostnames, hosts: l.hosts.map((h) => h.hostname) }]),
    );
  };

  it("should show a team member only their team's members, in hostnames as in hosts", async () => {
    const alpha = await members(tokens.alphaMaintainer!);
    expect(alpha.web).toEqual({ hostnames: ['host1.local'], hosts: ['host1.local'] });
    expect(alpha['All Hosts']).toEqual({ hostnames: ['host1.local'], hosts: ['host1.local'] });
    expect((await members(t.adminToken)).web).toEqual({ hostnames: ['host1.local', 'host3.local'], hosts: ['host1.local', 'host3.local'] });
  });

  it('should show a team observer no members, of other teams or its own', async () => {
    const observed = await members(tokens.alphaObserver!);
    expect(Object.values(observed).flatMap((l) => [...l.hostnames, ...l.hosts])).toEqual([]);
  });
});

describe('missing-in-action hosts', () => {
  it('should count a host unseen for 30 days as missing in action and offline', async () => {
    clock.advance(30 * 24 * 3600 - 300);
    const r = await targets('', { labels: [label['All Hosts']!] });
    expect(r.body).toMatchObject({ targets_count: TOTAL, targets_online: 0, targets_offline: TOTAL, targets_missing_in_action: 1 });
  });
});
