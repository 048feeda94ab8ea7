import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorOf, gqlClient, restClient, userToken } from '../helpers/clients.js';
import { startApp, type TestApp } from '../helpers/harness.js';

let t: TestApp;
let rest: ReturnType<typeof restClient>;
const tokens: Record<string, string> = {};

const FORBIDDEN = { status: 403, message: 'forbidden', errors: [{ name: 'base', reason: 'forbidden' }] };
const unprocessable = (reason: string) => ({ status: 422, message: 'Unprocessable Entity', errors: [{ name: 'base', reason }] });

const BUILTINS = [
  {
    name: 'All Hosts',
    description: 'All hosts which have enrolled in Fleet',
    query: 'SELECT 1;',
    label_type: 'builtin',
    label_membership_type: 'dynamic',
  },
  {
    name: 'macOS',
    description: 'All macOS hosts',
    query: "SELECT 1 FROM os_version WHERE platform = 'darwin';",
    platform: 'darwin',
    label_type: 'builtin',
    label_membership_type: 'dynamic',
  },
  {
    name: 'Ubuntu Linux',
    description: 'All Ubuntu hosts',
    query: "SELECT 1 FROM os_version WHERE platform = 'ubuntu';",
    platform: 'ubuntu',
    label_type: 'builtin',
    label_membership_type: 'dynamic',
  },
  {
    name: 'CentOS Linux',
    description: 'All CentOS hosts',
    query: "SELECT 1 FROM os_version WHERE platform = 'centos' OR name LIKE '%centos%'",
    label_type: 'builtin',
    label_membership_type: 'dynamic',
  },
  {
    name: 'MS Windows',
    description: 'All Windows hosts',
    query: "SELECT 1 FROM os_version WHERE platform = 'windows';",
    platform: 'windows',
    label_type: 'builtin',
    label_membership_type: 'dynamic',
  },
  {
    name: 'Red Hat Linux',
    description: 'All Red Hat Enterprise Linux hosts',
    query: "SELECT 1 FROM os_version WHERE name LIKE '%red hat%'",
    label_type: 'builtin',
    label_membership_type: 'dynamic',
  },
  {
    name: 'All Linux',
    description: 'All Linux distributions',
    query: "SELECT 1 FROM osquery_info WHERE build_platform LIKE '%ubuntu%' OR build_distro LIKE '%centos%';",
    label_type: 'builtin',
    label_membership_type: 'dynamic',
  },
];

const applyLabels = (specs: unknown, token = t.adminToken) => rest('POST', '/api/v1/fleet/spec/labels', { token, body: { specs } });
const getLabel = (name: string, token = t.adminToken) =>
  rest('GET', `/api/latest/fleet/spec/labels/${encodeURIComponent(name)}`, { token });
const listLabels = async (token = t.adminToken) => (await rest('GET', '/api/v1/fleet/spec/labels', { token })).body.specs as { name: string }[];

/**
 * Hosts cannot be enrolled through the API yet, so host fixtures are the one thing inserted
 * straight into the test's own SQLite file (a second connection; the server reads them through its own).
 */
function insertHosts(dbPath: string, hostnames: string[]): void {
  const db = new Database(dbPath);
  try {
    const insert = db.prepare('INSERT INTO hosts (hostname, created_at) VALUES (?, ?)');
    for (const h of hostnames) insert.run(h, Date.now());
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  t = await startApp();
  rest = restClient(t.url);
  insertHosts(t.dbPath, ['host1.local', 'host2.local', 'host3.local']);
  const teams = await rest('POST', '/api/v1/fleet/spec/teams', { token: t.adminToken, body: { specs: [{ name: 't1' }] } });
  expect(teams.status).toBe(200);
  const team = await gqlClient(t.url)('{ team(name: "t1") { id } }', {}, t.adminToken);
  const teamId = Number(team.data.team.id);
  for (const role of ['maintainer', 'observer', 'observer_plus', 'gitops']) {
    tokens[role] = await userToken(t, `${role}@example.com`, { global_role: role });
  }
  tokens.team_observer = await userToken(t, 'team-observer@example.com', { teams: [{ id: teamId, role: 'observer' }] });
  tokens.team_admin = await userToken(t, 'team-admin@example.com', { teams: [{ id: teamId, role: 'admin' }] });
});

describe('GET /spec/labels', () => {
  it('should list exactly the seven built-in labels on a fresh server, under every API version', async () => {
    const fresh = await startApp();
    const r = restClient(fresh.url);
    for (const v of ['v1', '2022-04', 'latest']) {
      const got = await r('GET', `/api/${v}/fleet/spec/labels`, { token: fresh.adminToken });
      expect({ status: got.status, body: got.body }).toEqual({
        status: 200,
        body: { specs: BUILTINS.map((b) => ({ id: expect.any(Number), ...b })) },
      });
    }
  });

  it('should answer each built-in label by name with its exact fields and no hosts key', async () => {
    for (const b of BUILTINS) {
      const got = await getLabel(b.name);
      expect({ status: got.status, body: got.body }).toEqual({ status: 200, body: { specs: { id: expect.any(Number), ...b } } });
    }
  });

  it('should answer 404 with Fleet error body for an unknown label name', async () => {
    expect(errorOf(await getLabel('zzz'))).toEqual({
      status: 404,
      message: 'Resource Not Found',
      errors: [{ name: 'base', reason: 'Label zzz was not found in the datastore' }],
    });
  });

  it('should answer 401 "Authorization header required" without a token', async () => {
    expect(errorOf(await rest('GET', '/api/v1/fleet/spec/labels'))).toEqual({
      status: 401,
      message: 'Authorization header required',
      errors: [{ name: 'base', reason: 'Authorization header required' }],
    });
  });
});

describe('POST /spec/labels: dynamic labels', () => {
  it('should create a dynamic label and read it back with no platform, label_type or hosts keys', async () => {
    const applied = await applyLabels([
      {
        name: 'Ubuntu',
        description: 'Filters Ubuntu hosts',
        query: "SELECT 1 FROM os_version WHERE platform = 'ubuntu';",
        label_membership_type: 'dynamic',
      },
    ]);
    expect({ status: applied.status, body: applied.body }).toEqual({ status: 200, body: {} });
    const expected = {
      id: expect.any(Number),
      name: 'Ubuntu',
      description: 'Filters Ubuntu hosts',
      query: "SELECT 1 FROM os_version WHERE platform = 'ubuntu';",
      label_membership_type: 'dynamic',
    };
    expect((await getLabel('Ubuntu')).body).toEqual({ specs: expected });
    expect((await listLabels()).filter((l) => l.name === 'Ubuntu')).toEqual([expected]);
  });

  it('should list labels after the built-ins, in creation order', async () => {
    await applyLabels([
      { name: 'order-b', query: 'SELECT 1' },
      { name: 'order-a', query: 'SELECT 1' },
    ]);
    const names = (await listLabels()).map((l) => l.name);
    expect(names.slice(0, BUILTINS.length)).toEqual(BUILTINS.map((b) => b.name));
    expect(names.indexOf('order-b')).toBeLessThan(names.indexOf('order-a'));
  });

  it('should treat a spec without label_membership_type as dynamic and keep a platform', async () => {
    await applyLabels([{ name: 'darwin-only', query: 'SELECT 1', platform: 'darwin' }]);
    expect((await getLabel('darwin-only')).body.specs).toEqual({
      id: expect.any(Number),
      name: 'darwin-only',
      description: '',
      query: 'SELECT 1',
      platform: 'darwin',
      label_membership_type: 'dynamic',
    });
  });

  it('should accept a dynamic label with an empty hosts list and an empty query, as Fleet does', async () => {
    const r = await applyLabels([{ name: 'no-query', label_membership_type: 'dynamic', hosts: [] }]);
    expect(r.status).toBe(200);
    expect((await getLabel('no-query')).body.specs).toEqual({
      id: expect.any(Number),
      name: 'no-query',
      description: '',
      query: '',
      label_membership_type: 'dynamic',
    });
  });

  it('should overwrite every field on re-apply, keeping the id and clearing what the new spec leaves out', async () => {
    await applyLabels([{ name: 'mutable', description: 'd1', query: 'SELECT 1', platform: 'windows' }]);
    const before = (await getLabel('mutable')).body.specs;
    await applyLabels([{ name: 'mutable', query: 'SELECT 2' }]);
    expect((await getLabel('mutable')).body.specs).toEqual({
      id: before.id,
      name: 'mutable',
      description: '',
      query: 'SELECT 2',
      label_membership_type: 'dynamic',
    });
    expect((await listLabels()).filter((l) => l.name === 'mutable')).toHaveLength(1);
  });

  it('should keep the last spec when one apply names the same label twice', async () => {
    await applyLabels([
      { name: 'repeated', query: 'SELECT 1' },
      { name: 'repeated', query: 'SELECT 2' },
    ]);
    expect((await listLabels()).filter((l) => l.name === 'repeated')).toEqual([
      { id: expect.any(Number), name: 'repeated', description: '', query: 'SELECT 2', label_membership_type: 'dynamic' },
    ]);
  });

  it('should read back a label whose name holds spaces and a slash', async () => {
    await applyLabels([{ name: 'Team A/Laptops', query: 'SELECT 1' }]);
    const got = await getLabel('Team A/Laptops');
    expect({ status: got.status, name: got.body.specs?.name }).toEqual({ status: 200, name: 'Team A/Laptops' });
  });

  it('should accept an empty or null specs list as a no-op', async () => {
    const before = await listLabels();
    for (const raw of ['{"specs":[]}', '{"specs":null}', '{}']) {
      const r = await rest('POST', '/api/v1/fleet/spec/labels', { token: t.adminToken, raw });
      expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
    }
    expect(await listLabels()).toEqual(before);
  });
});

describe('POST /spec/labels: manual labels', () => {
  it('should make only known hostnames members of a manual label', async () => {
    const r = await applyLabels([
      { name: 'M1', description: 'mine', label_membership_type: 'manual', hosts: ['host1.local', 'nosuch'] },
    ]);
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
    const expected = {
      id: expect.any(Number),
      name: 'M1',
      description: 'mine',
      query: '',
      label_membership_type: 'manual',
      hosts: ['host1.local'],
    };
    expect((await getLabel('M1')).body).toEqual({ specs: expected });
    expect((await listLabels()).filter((l) => l.name === 'M1')).toEqual([expected]);
  });

  it('should replace the members with the new hosts list, ignoring duplicates', async () => {
    await applyLabels([{ name: 'M1', label_membership_type: 'manual', hosts: ['host3.local', 'host2.local', 'host3.local'] }]);
    expect((await getLabel('M1')).body.specs.hosts).toEqual(['host2.local', 'host3.local']);
  });

  it('should clear the membership with hosts: [] and still answer hosts as an empty list', async () => {
    await applyLabels([{ name: 'M1', label_membership_type: 'manual', hosts: [] }]);
    expect((await getLabel('M1')).body.specs).toEqual({
      id: expect.any(Number),
      name: 'M1',
      description: '',
      query: '',
      label_membership_type: 'manual',
      hosts: [],
    });
    expect((await listLabels()).find((l) => l.name === 'M1')).toHaveProperty('hosts', []);
  });

  it('should keep the membership of each manual label separate', async () => {
    await applyLabels([
      { name: 'left', label_membership_type: 'manual', hosts: ['host1.local'] },
      { name: 'right', label_membership_type: 'manual', hosts: ['host2.local', 'host1.local'] },
    ]);
    const specs = await listLabels();
    expect(specs.find((l) => l.name === 'left')).toHaveProperty('hosts', ['host1.local']);
    expect(specs.find((l) => l.name === 'right')).toHaveProperty('hosts', ['host1.local', 'host2.local']);
  });

  it('should take a hosts list far longer than one database batch', async () => {
    const many = Array.from({ length: 1234 }, (_, i) => `bulk-${String(i).padStart(4, '0')}.local`);
    insertHosts(t.dbPath, many);
    const r = await applyLabels([{ name: 'bulk', label_membership_type: 'manual', hosts: [...many, 'nosuch'] }]);
    expect(r.status).toBe(200);
    expect((await getLabel('bulk')).body.specs.hosts).toEqual(many);
  });

  it('should apply manual and dynamic specs read back from the server unchanged, ignoring their ids', async () => {
    await applyLabels([{ name: 'roundtrip', description: 'rt', label_membership_type: 'manual', hosts: ['host1.local', 'host3.local'] }]);
    const manual = (await getLabel('roundtrip')).body.specs;
    const dynamic = (await getLabel('darwin-only')).body.specs;
    const r = await applyLabels([
      { ...manual, id: 999_999, unknown_key: 1 },
      { ...dynamic, id: 999_998 },
    ]);
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
    expect((await getLabel('roundtrip')).body.specs).toEqual(manual);
    expect((await getLabel('darwin-only')).body.specs).toEqual(dynamic);
  });

  it('should drop the hosts key when a manual label becomes dynamic', async () => {
    await applyLabels([{ name: 'switcher', label_membership_type: 'manual', hosts: ['host1.local'] }]);
    await applyLabels([{ name: 'switcher', query: 'SELECT 1', label_membership_type: 'dynamic' }]);
    expect((await getLabel('switcher')).body.specs).toEqual({
      id: expect.any(Number),
      name: 'switcher',
      description: '',
      query: 'SELECT 1',
      label_membership_type: 'dynamic',
    });
  });
});

describe('POST /spec/labels: validation', () => {
  it('should refuse a dynamic label with hosts with 422 Unprocessable Entity', async () => {
    const r = await applyLabels([{ name: 'L1', query: 'SELECT 1', label_membership_type: 'dynamic', hosts: ['x'] }]);
    expect(errorOf(r)).toEqual(unprocessable('label L1 is declared as dynamic but contains `hosts` key'));
    expect((await getLabel('L1')).status).toBe(404);
  });

  it('should refuse hosts on a label whose membership type is left out, since it defaults to dynamic', async () => {
    const r = await applyLabels([{ name: 'L2', hosts: ['host1.local'] }]);
    expect(errorOf(r)).toEqual(unprocessable('label L2 is declared as dynamic but contains `hosts` key'));
  });

  it.each([
    ['absent', { name: 'M2', label_membership_type: 'manual' }],
    ['null', { name: 'M2', label_membership_type: 'manual', hosts: null }],
  ])('should refuse a manual label whose hosts are %s with 422 Unprocessable Entity', async (_, spec) => {
    expect(errorOf(await applyLabels([spec]))).toEqual(unprocessable('label M2 is declared as manual but contains no `hosts key`'));
    expect((await getLabel('M2')).status).toBe(404);
  });

  it.each(BUILTINS.map((b) => b.name))('should refuse to modify the built-in label %s and leave it unchanged', async (name) => {
    const r = await applyLabels([{ name, query: 'SELECT 2', label_membership_type: 'dynamic' }]);
    expect(errorOf(r)).toEqual(unprocessable(`cannot modify built-in label '${name}'`));
    expect((await getLabel(name)).body.specs).toEqual({ id: expect.any(Number), ...BUILTINS.find((b) => b.name === name) });
  });

  it('should refuse a built-in label spec even when identical to the stored one', async () => {
    const { id: _, ...same } = (await getLabel('All Hosts')).body.specs;
    expect(errorOf(await applyLabels([same]))).toEqual(unprocessable("cannot modify built-in label 'All Hosts'"));
  });

  it('should refuse to add a new label with label_type builtin', async () => {
    const r = await applyLabels([{ name: 'Fake Builtin', query: 'SELECT 1', label_type: 'builtin' }]);
    expect(errorOf(r)).toEqual(unprocessable("cannot modify built-in label 'Fake Builtin'"));
    expect((await getLabel('Fake Builtin')).status).toBe(404);
  });

  it.each([
    ['an empty name', { name: '', query: 'SELECT 1' }],
    ['a blank name', { name: '  ', query: 'SELECT 1' }],
    ['no name at all', { query: 'SELECT 1' }],
  ])('should refuse %s with 422 "label name must not be empty"', async (_, spec) => {
    expect(errorOf(await applyLabels([spec]))).toEqual({
      status: 422,
      message: 'Validation Failed',
      errors: [{ name: 'name', reason: 'label name must not be empty' }],
    });
  });

  it('should write nothing when one spec of an apply is good and another is bad', async () => {
    await applyLabels([{ name: 'kept', label_membership_type: 'manual', hosts: ['host1.local'] }]);
    const keptBefore = (await getLabel('kept')).body.specs;
    const listBefore = await listLabels();
    const r = await applyLabels([
      { name: 'good-but-rolled-back', query: 'SELECT 1' },
      { name: 'kept', label_membership_type: 'manual', hosts: ['host2.local'] },
      { name: 'bad', label_membership_type: 'manual' },
    ]);
    expect(errorOf(r)).toEqual(unprocessable('label bad is declared as manual but contains no `hosts key`'));
    expect((await getLabel('good-but-rolled-back')).status).toBe(404);
    expect((await getLabel('kept')).body.specs).toEqual(keptBefore);
    expect(await listLabels()).toEqual(listBefore);
  });

  it('should answer 400 "Expected JSON Body" for an empty body, before authentication', async () => {
    expect(errorOf(await rest('POST', '/api/v1/fleet/spec/labels'))).toEqual({
      status: 400,
      message: 'Bad request',
      errors: [{ name: 'base', reason: 'Expected JSON Body' }],
    });
  });

  it.each([
    '{bad',
    '{"specs":{}}',
    '{"specs":[{"name":"X","label_membership_type":"bogus"}]}',
    '{"specs":[{"name":"X","label_type":"bogus"}]}',
    '{"specs":[{"name":"X","label_membership_type":"manual","hosts":"host1.local"}]}',
    '{"specs":[{"name":"X","label_membership_type":"manual","hosts":[1]}]}',
    '{"specs":[{"name":["X"]}]}',
  ])('should answer 400 "json decoder error" for %s and write nothing', async (raw) => {
    const before = await listLabels();
    expect(errorOf(await rest('POST', '/api/v1/fleet/spec/labels', { token: t.adminToken, raw }))).toEqual({
      status: 400,
      message: 'Bad request',
      errors: [{ name: 'base', reason: 'json decoder error' }],
    });
    expect(await listLabels()).toEqual(before);
  });
});

describe('spec/labels authorization', () => {
  it.each(['observer', 'observer_plus', 'team_observer', 'team_admin'])(
    'should let a %s read labels but refuse its apply with 403, writing nothing',
    async (role) => {
      const token = tokens[role]!;
      expect((await listLabels(token)).map((l) => l.name)).toContain('M1');
      expect((await getLabel('M1', token)).body.specs).toEqual((await getLabel('M1')).body.specs);
      const r = await applyLabels([{ name: `by-${role}`, query: 'SELECT 1' }], token);
      expect(errorOf(r)).toEqual(FORBIDDEN);
      expect((await getLabel(`by-${role}`)).status).toBe(404);
    },
  );

  it('should refuse an unauthorized caller with 403 before validating the specs', async () => {
    expect(errorOf(await applyLabels([{ name: 'All Hosts' }], tokens.observer))).toEqual(FORBIDDEN);
  });

  it('should answer 404 to a reader asking for an unknown label', async () => {
    expect((await getLabel('zzz', tokens.observer)).status).toBe(404);
  });

  it('should let a gitops user apply labels but refuse it reading them with 403', async () => {
    const r = await applyLabels([{ name: 'by-gitops', query: 'SELECT 1' }], tokens.gitops);
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
    expect((await getLabel('by-gitops')).status).toBe(200);
    expect(errorOf(await rest('GET', '/api/v1/fleet/spec/labels', { token: tokens.gitops }))).toEqual(FORBIDDEN);
    expect(errorOf(await getLabel('by-gitops', tokens.gitops))).toEqual(FORBIDDEN);
  });

  it('should let a global maintainer apply and read labels', async () => {
    const token = tokens.maintainer!;
    const r = await applyLabels([{ name: 'by-maintainer', label_membership_type: 'manual', hosts: ['host2.local'] }], token);
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
    expect((await getLabel('by-maintainer', token)).body.specs).toMatchObject({ label_membership_type: 'manual', hosts: ['host2.local'] });
  });
});
