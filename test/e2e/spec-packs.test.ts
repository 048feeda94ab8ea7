import { beforeAll, describe, expect, it } from 'vitest';
import { errorOf, gqlClient, restClient, userToken } from '../helpers/clients.js';
import { startApp, type TestApp } from '../helpers/harness.js';

let t: TestApp;
let rest: ReturnType<typeof restClient>;
const tokens: Record<string, string> = {};

const FORBIDDEN = { status: 403, message: 'forbidden', errors: [{ name: 'base', reason: 'forbidden' }] };
const invalid = (...errors: { name: string; reason: string }[]) => ({ status: 422, message: 'Validation Failed', errors });

const applyPacks = (specs: unknown, token = t.adminToken) => rest('POST', '/api/v1/fleet/spec/packs', { token, body: { specs } });
const getPack = (name: string, token = t.adminToken) =>
  rest('GET', `/api/latest/fleet/spec/packs/${encodeURIComponent(name)}`, { token });
const listPacks = async (token = t.adminToken) => (await rest('GET', '/api/v1/fleet/spec/packs', { token })).body.specs as { name: string }[];

beforeAll(async () => {
  t = await startApp();
  rest = restClient(t.url);
  const queries = await rest('POST', '/api/v1/fleet/spec/queries', {
    token: t.adminToken,
    body: { specs: ['q1', 'q2', 'q3', 'osquery_events'].map((name) => ({ name, query: `SELECT '${name}'` })) },
  });
  expect(queries.status).toBe(200);
  const teams = await rest('POST', '/api/v1/fleet/spec/teams', { token: t.adminToken, body: { specs: [{ name: 't1' }, { name: 't2' }] } });
  expect(teams.status).toBe(200);
  const team = await gqlClient(t.url)('{ team(name: "t1") { id } }', {}, t.adminToken);
  const teamId = Number(team.data.team.id);
  for (const role of ['maintainer', 'observer', 'observer_plus', 'gitops']) {
    tokens[role] = await userToken(t, `${role}@example.com`, { global_role: role });
  }
  tokens.team_admin = await userToken(t, 'team-admin@example.com', { teams: [{ id: teamId, role: 'admin' }] });
  tokens.team_maintainer = await userToken(t, 'team-maintainer@example.com', { teams: [{ id: teamId, role: 'maintainer' }] });
});

describe('GET /spec/packs', () => {
  it('should answer {"specs":null} when there are no packs, under every API version', async () => {
    const fresh = await startApp();
    const r = restClient(fresh.url);
    for (const v of ['v1', '2022-04', 'latest']) {
      const got = await r('GET', `/api/${v}/fleet/spec/packs`, { token: fresh.adminToken });
      expect({ status: got.status, body: got.body }).toEqual({ status: 200, body: { specs: null } });
    }
  });

  it('should answer 404 with Fleet error body for an unknown pack name', async () => {
    expect(errorOf(await getPack('nope'))).toEqual({
      status: 404,
      message: 'Resource Not Found',
      errors: [{ name: 'base', reason: 'Pack nope was not found in the datastore' }],
    });
  });

  it('should answer 401 "Authorization header required" without a token', async () => {
    expect(errorOf(await rest('GET', '/api/v1/fleet/spec/packs'))).toEqual({
      status: 401,
      message: 'Authorization header required',
      errors: [{ name: 'base', reason: 'Authorization header required' }],
    });
  });

  it('should answer 405 for DELETE on the packs spec path', async () => {
    expect((await rest('DELETE', '/api/v1/fleet/spec/packs', { token: t.adminToken })).status).toBe(405);
  });
});

describe('POST /spec/packs: creating and reading back', () => {
  it('should create a pack and read it back by name with Fleet omitempty rules', async () => {
    const applied = await applyPacks([
      { name: 'p1', targets: { labels: ['All Hosts'] }, queries: [{ query: 'q1', interval: 60, snapshot: true }] },
    ]);
    expect({ status: applied.status, body: applied.body }).toEqual({ status: 200, body: {} });

    const got = await getPack('p1');
    expect({ status: got.status, body: got.body }).toEqual({
      status: 200,
      body: {
        specs: {
          id: expect.any(Number),
          name: 'p1',
          disabled: false,
          targets: { labels: ['All Hosts'], teams: null },
          queries: [{ query: 'q1', name: 'q1', description: '', interval: 60, snapshot: true }],
        },
      },
    });
    expect(Object.keys(got.body.specs)).not.toContain('description');
    expect(Object.keys(got.body.specs)).not.toContain('platform');
    expect(Object.keys(got.body.specs.queries[0])).not.toContain('removed');
  });

  it('should list the created pack with the same spec as the read by name', async () => {
    const one = (await getPack('p1')).body.specs;
    const all = await listPacks();
    expect(all.filter((p) => p.name === 'p1')).toEqual([one]);
  });

  it('should answer the same pack under every API version', async () => {
    const bodies = [];
    for (const v of ['v1', '2022-04', 'latest']) {
      const got = await rest('GET', `/api/${v}/fleet/spec/packs/p1`, { token: t.adminToken });
      expect(got.status).toBe(200);
      bodies.push(got.body);
    }
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
  });

  it('should round-trip every pack and scheduled-query field, including explicit false and zero-like values', async () => {
    await applyPacks([
      {
        name: 'full',
        description: 'Everything set',
        platform: 'darwin',
        disabled: true,
        targets: { labels: ['macOS'], teams: ['t1'] },
        queries: [
          {
            query: 'q2',
            name: 'q2-hourly',
            description: 'runs hourly',
            interval: 3600,
            snapshot: false,
            removed: true,
            shard: 10,
            platform: 'windows',
            version: '4.5.0',
            denylist: false,
          },
        ],
      },
    ]);
    expect((await getPack('full')).body).toEqual({
      specs: {
        id: expect.any(Number),
        name: 'full',
        description: 'Everything set',
        platform: 'darwin',
        disabled: true,
        targets: { labels: ['macOS'], teams: ['t1'] },
        queries: [
          {
            query: 'q2',
            name: 'q2-hourly',
            description: 'runs hourly',
            interval: 3600,
            snapshot: false,
            removed: true,
            shard: 10,
            platform: 'windows',
            version: '4.5.0',
            denylist: false,
          },
        ],
      },
    });
  });

  it('should omit null optional scheduled-query fields and keep the mandatory ones', async () => {
    await applyPacks([
      {
        name: 'nulls',
        queries: [{ query: 'q1', name: 'n', interval: 0, snapshot: null, removed: null, shard: null, platform: null, version: null, denylist: null }],
      },
    ]);
    expect((await getPack('nulls')).body.specs.queries).toEqual([{ query: 'q1', name: 'n', description: '', interval: 0 }]);
  });

  it('should default a scheduled query name to its query and allow one query scheduled twice under different names', async () => {
    await applyPacks([
      {
        name: 'events',
        queries: [
          { query: 'osquery_events', interval: 454 },
          { query: 'osquery_events', name: 'osquery_events-1', interval: 120 },
        ],
      },
    ]);
    expect((await getPack('events')).body.specs.queries).toEqual([
      { query: 'osquery_events', name: 'osquery_events', description: '', interval: 454 },
      { query: 'osquery_events', name: 'osquery_events-1', description: '', interval: 120 },
    ]);
  });

  it('should keep the last spec when one apply names the same pack twice', async () => {
    await applyPacks([
      { name: 'twice', description: 'first' },
      { name: 'twice', description: 'second' },
    ]);
    const specs = await listPacks();
    expect(specs.filter((p) => p.name === 'twice')).toEqual([
      { id: expect.any(Number), name: 'twice', description: 'second', disabled: false, targets: { labels: null, teams: null } },
    ]);
  });

  it('should read back packs whose names hold spaces, slashes and non-ASCII characters', async () => {
    for (const name of ['My Pack', 'ops/weekly', 'pâquet %d']) {
      await applyPacks([{ name, queries: [{ query: 'q1', interval: 1 }] }]);
      const got = await getPack(name);
      expect({ status: got.status, name: got.body.specs?.name }).toEqual({ status: 200, name });
    }
  });

  it('should list every pack with exactly the spec its read by name answers', async () => {
    const all = await listPacks();
    expect(all.length).toBeGreaterThan(3);
    for (const spec of all) expect((await getPack(spec.name)).body.specs).toEqual(spec);
  });

  it('should apply a spec read back from the server unchanged, ignoring its id and unknown keys', async () => {
    const before = (await getPack('full')).body.specs;
    const r = await applyPacks([{ ...before, id: 999_999, pack_type: 'ignored', extra: { nested: true } }]);
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
    expect((await getPack('full')).body.specs).toEqual(before);
  });

  it('should accept an empty or null specs list as a no-op', async () => {
    const before = await listPacks();
    for (const raw of ['{"specs":[]}', '{"specs":null}', '{}']) {
      const r = await rest('POST', '/api/v1/fleet/spec/packs', { token: t.adminToken, raw });
      expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
    }
    expect(await listPacks()).toEqual(before);
  });
});

describe('POST /spec/packs: update semantics', () => {
  it('should replace all scheduled queries of a pack and drop the queries key when none remain', async () => {
    await applyPacks([{ name: 'sched', queries: [{ query: 'q1', interval: 10 }, { query: 'q2', interval: 20 }] }]);
    await applyPacks([{ name: 'sched', queries: [{ query: 'q3', interval: 30, removed: false }] }]);
    expect((await getPack('sched')).body.specs.queries).toEqual([
      { query: 'q3', name: 'q3', description: '', interval: 30, removed: false },
    ]);

    await applyPacks([{ name: 'sched', queries: [] }]);
    const emptied = (await getPack('sched')).body.specs;
    expect(emptied).not.toHaveProperty('queries');

    await applyPacks([{ name: 'sched', queries: [{ query: 'q1', interval: 10 }] }]);
    await applyPacks([{ name: 'sched' }]);
    expect((await getPack('sched')).body.specs).not.toHaveProperty('queries');
  });

  it('should list scheduled queries in the order of the latest spec', async () => {
    await applyPacks([{ name: 'ordered', queries: [{ query: 'q1', interval: 1 }, { query: 'q2', interval: 2 }] }]);
    await applyPacks([{ name: 'ordered', queries: [{ query: 'q2', interval: 2 }, { query: 'q1', interval: 1 }] }]);
    expect(((await getPack('ordered')).body.specs.queries as { name: string }[]).map((q) => q.name)).toEqual(['q2', 'q1']);
  });

  it('should update a scheduled query in place when re-applied under the same name', async () => {
    await applyPacks([{ name: 'inplace', queries: [{ query: 'q1', name: 'job', interval: 10, snapshot: true }] }]);
    await applyPacks([{ name: 'inplace', queries: [{ query: 'q2', name: 'job', interval: 99 }] }]);
    expect((await getPack('inplace')).body.specs.queries).toEqual([{ query: 'q2', name: 'job', description: '', interval: 99 }]);
  });

  it('should replace targets and answer null target lists once they are removed', async () => {
    await applyPacks([{ name: 'targeted', targets: { labels: ['All Hosts', 'macOS'], teams: ['t1', 't2'] } }]);
    const first = (await getPack('targeted')).body.specs.targets;
    expect({ labels: [...first.labels].sort(), teams: [...first.teams].sort() }).toEqual({
      labels: ['All Hosts', 'macOS'],
      teams: ['t1', 't2'],
    });

    await applyPacks([{ name: 'targeted', targets: { labels: ['MS Windows'], teams: ['t2'] } }]);
    expect((await getPack('targeted')).body.specs.targets).toEqual({ labels: ['MS Windows'], teams: ['t2'] });

    await applyPacks([{ name: 'targeted', targets: { labels: [], teams: null } }]);
    expect((await getPack('targeted')).body.specs.targets).toEqual({ labels: null, teams: null });

    await applyPacks([{ name: 'targeted', targets: { labels: ['macOS'] } }]);
    await applyPacks([{ name: 'targeted' }]);
    expect((await getPack('targeted')).body.specs.targets).toEqual({ labels: null, teams: null });
  });

  it('should keep its targets and scheduled queries when the label and saved query they name are re-applied', async () => {
    await rest('POST', '/api/v1/fleet/spec/labels', { token: t.adminToken, body: { specs: [{ name: 'servers', query: 'SELECT 1' }] } });
    await applyPacks([{ name: 'dependent', targets: { labels: ['servers'] }, queries: [{ query: 'q3', interval: 7 }] }]);
    await rest('POST', '/api/v1/fleet/spec/labels', { token: t.adminToken, body: { specs: [{ name: 'servers', query: 'SELECT 2' }] } });
    await rest('POST', '/api/v1/fleet/spec/queries', { token: t.adminToken, body: { specs: [{ name: 'q3', query: 'SELECT 3' }] } });
    const got = (await getPack('dependent')).body.specs;
    expect({ targets: got.targets, queries: got.queries }).toEqual({
      targets: { labels: ['servers'], teams: null },
      queries: [{ query: 'q3', name: 'q3', description: '', interval: 7 }],
    });
  });

  it('should ignore a label listed twice in the targets', async () => {
    await applyPacks([{ name: 'dup-target', targets: { labels: ['macOS', 'macOS'] } }]);
    expect((await getPack('dup-target')).body.specs.targets).toEqual({ labels: ['macOS'], teams: null });
  });

  it('should overwrite description, platform and disabled, clearing the ones the new spec leaves out', async () => {
    await applyPacks([{ name: 'fields', description: 'd', platform: 'linux', disabled: true }]);
    const before = (await getPack('fields')).body.specs;
    expect(before).toMatchObject({ description: 'd', platform: 'linux', disabled: true });

    await applyPacks([{ name: 'fields' }]);
    expect((await getPack('fields')).body.specs).toEqual({
      id: before.id,
      name: 'fields',
      disabled: false,
      targets: { labels: null, teams: null },
    });
  });

  it('should keep the pack id across updates and leave packs not in the apply untouched', async () => {
    const p1 = (await getPack('p1')).body.specs;
    const full = (await getPack('full')).body.specs;
    await applyPacks([{ name: 'p1', description: 'now described', targets: { labels: ['All Hosts'] }, queries: [{ query: 'q1', interval: 60, snapshot: true }] }]);
    expect((await getPack('p1')).body.specs).toEqual({ ...p1, description: 'now described' });
    expect((await getPack('full')).body.specs).toEqual(full);
  });
});

describe('POST /spec/packs: validation', () => {
  it.each([
    ['an empty name', { name: '' }],
    ['a blank name', { name: '   ' }],
    ['no name at all', { description: 'nameless' }],
  ])('should refuse %s with 422 "pack name must not be empty"', async (_, spec) => {
    expect(errorOf(await applyPacks([spec]))).toEqual(invalid({ name: 'name', reason: 'pack name must not be empty' }));
  });

  it('should refuse to schedule an unknown query with 422 and roll the whole pack back', async () => {
    const r = await applyPacks([{ name: 'ghostly', queries: [{ query: 'ghost', interval: 60 }] }]);
    expect(errorOf(r)).toEqual(invalid({ name: 'queries', reason: "cannot schedule unknown query 'ghost'" }));
    expect((await getPack('ghostly')).status).toBe(404);
  });

  it('should refuse to target an unknown label with 422', async () => {
    const r = await applyPacks([{ name: 'lost-label', targets: { labels: ['All Hosts', 'x'] } }]);
    expect(errorOf(r)).toEqual(invalid({ name: 'targets', reason: "unknown label 'x'" }));
    expect((await getPack('lost-label')).status).toBe(404);
  });

  it('should refuse to target an unknown team with 422', async () => {
    const r = await applyPacks([{ name: 'lost-team', targets: { teams: ['nope'] } }]);
    expect(errorOf(r)).toEqual(invalid({ name: 'targets', reason: "unknown team 'nope'" }));
    expect((await getPack('lost-team')).status).toBe(404);
  });

  it('should refuse a pack that schedules two queries under one name', async () => {
    const r = await applyPacks([{ name: 'clash', queries: [{ query: 'q1', interval: 1 }, { query: 'q2', name: 'q1', interval: 2 }] }]);
    expect(errorOf(r)).toEqual(invalid({ name: 'queries', reason: "pack 'clash' schedules 'q1' twice" }));
    expect((await getPack('clash')).status).toBe(404);
  });

  it('should report every problem of every spec in one 422 body', async () => {
    const r = await applyPacks([
      { name: '', queries: [{ query: 'ghost', interval: 1 }] },
      { name: 'many-problems', targets: { labels: ['x'], teams: ['nope'] }, queries: [{ query: 'phantom', interval: 1 }] },
    ]);
    expect(errorOf(r)).toEqual(
      invalid(
        { name: 'name', reason: 'pack name must not be empty' },
        { name: 'queries', reason: "cannot schedule unknown query 'ghost'" },
        { name: 'queries', reason: "cannot schedule unknown query 'phantom'" },
        { name: 'targets', reason: "unknown label 'x'" },
        { name: 'targets', reason: "unknown team 'nope'" },
      ),
    );
  });

  it('should write nothing when one spec of an apply is good and another is bad', async () => {
    const p1Before = (await getPack('p1')).body.specs;
    const listBefore = await listPacks();
    const r = await applyPacks([
      { name: 'good-but-rolled-back', queries: [{ query: 'q1', interval: 60 }] },
      { name: 'p1', description: 'changed', queries: [{ query: 'q2', interval: 5 }] },
      { name: 'bad', queries: [{ query: 'ghost', interval: 60 }] },
    ]);
    expect(errorOf(r)).toEqual(invalid({ name: 'queries', reason: "cannot schedule unknown query 'ghost'" }));
    expect((await getPack('good-but-rolled-back')).status).toBe(404);
    expect((await getPack('p1')).body.specs).toEqual(p1Before);
    expect(await listPacks()).toEqual(listBefore);
  });

  it('should answer 400 "Expected JSON Body" for an empty body, before authentication', async () => {
    expect(errorOf(await rest('POST', '/api/v1/fleet/spec/packs'))).toEqual({
      status: 400,
      message: 'Bad request',
      errors: [{ name: 'base', reason: 'Expected JSON Body' }],
    });
  });

  it.each([
    '{bad',
    '{"specs":{}}',
    '{"specs":[{"name":1}]}',
    '{"specs":[{"name":"p","disabled":"yes"}]}',
    '{"specs":[{"name":"p","targets":{"labels":"All Hosts"}}]}',
    '{"specs":[{"name":"p","queries":[{"query":"q1","interval":-1}]}]}',
    '{"specs":[{"name":"p","queries":[{"query":"q1","interval":"60"}]}]}',
    '{"specs":[{"name":"p","queries":[{"query":"q1","interval":1.5}]}]}',
    '{"specs":[{"name":"p","queries":[{"query":"q1","interval":1,"shard":-3}]}]}',
  ])('should answer 400 "json decoder error" for %s and write nothing', async (raw) => {
    const before = await listPacks();
    expect(errorOf(await rest('POST', '/api/v1/fleet/spec/packs', { token: t.adminToken, raw }))).toEqual({
      status: 400,
      message: 'Bad request',
      errors: [{ name: 'base', reason: 'json decoder error' }],
    });
    expect(await listPacks()).toEqual(before);
  });
});

describe('spec/packs authorization', () => {
  it.each(['observer', 'observer_plus', 'team_admin', 'team_maintainer'])(
    'should refuse a %s with 403 forbidden on list, read and apply, writing nothing',
    async (role) => {
      const token = tokens[role]!;
      expect(errorOf(await rest('GET', '/api/v1/fleet/spec/packs', { token }))).toEqual(FORBIDDEN);
      expect(errorOf(await getPack('p1', token))).toEqual(FORBIDDEN);
      expect(errorOf(await getPack('nope', token))).toEqual(FORBIDDEN);
      expect(errorOf(await applyPacks([{ name: `by-${role}` }], token))).toEqual(FORBIDDEN);
      expect((await getPack(`by-${role}`)).status).toBe(404);
    },
  );

  it('should refuse an unauthorized caller with 403 before validating the specs', async () => {
    expect(errorOf(await applyPacks([{ name: '' }], tokens.observer))).toEqual(FORBIDDEN);
  });

  it.each(['maintainer', 'gitops'])('should let a global %s read and apply packs', async (role) => {
    const token = tokens[role]!;
    const applied = await applyPacks([{ name: `by-${role}`, queries: [{ query: 'q1', interval: 5 }] }], token);
    expect({ status: applied.status, body: applied.body }).toEqual({ status: 200, body: {} });
    const got = await getPack(`by-${role}`, token);
    expect(got.status).toBe(200);
    expect(got.body.specs.queries).toEqual([{ query: 'q1', name: 'q1', description: '', interval: 5 }]);
    expect((await listPacks(token)).map((p) => p.name)).toContain(`by-${role}`);
  });
});
