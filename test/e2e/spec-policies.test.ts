import { beforeAll, describe, expect, it } from 'vitest';
import { errorOf, gqlClient, restClient, userToken } from '../helpers/clients.js';
import { startApp, type TestApp } from '../helpers/harness.js';

type PolicyView = { name: string; query: string; description: string; resolution: string; platform: string; team: { name: string } | null };

let t: TestApp;
let rest: ReturnType<typeof restClient>;
let gql: ReturnType<typeof gqlClient>;
let t1Id: number;
let t2Id: number;
let maintainer: string;
let observer: string;
let gitops: string;
let t1Maintainer: string;
let t1Observer: string;

const SPEC_POLICIES = '/api/v1/fleet/spec/policies';
const FORBIDDEN = { status: 403, message: 'forbidden', errors: [{ name: 'base', reason: 'forbidden' }] };
const badRequest = (reason: string) => ({ status: 400, message: 'Bad request', errors: [{ name: 'base', reason }] });

const applyPolicies = (specs: unknown[], token = t.adminToken) => rest('POST', SPEC_POLICIES, { token, body: { specs } });

/** The global policies, or one team's, as the admin reads them through GraphQL, by name. */
async function policies(teamId: number | null = null): Promise<Map<string, PolicyView>> {
  const r = await gql(
    'query ($teamId: ID) { policies(teamId: $teamId) { name query description resolution platform team { name } } }',
    { teamId },
    t.adminToken,
  );
  expect(r.errors).toBeUndefined();
  return new Map((r.data.policies as PolicyView[]).map((p) => [p.name, p]));
}

/** Every policy name, global and of both teams. */
async function allNames(): Promise<string[]> {
  const lists = await Promise.all([policies(), policies(t1Id), policies(t2Id)]);
  return lists.flatMap((m) => [...m.keys()]).sort();
}

beforeAll(async () => {
  t = await startApp();
  rest = restClient(t.url);
  gql = gqlClient(t.url);
  const created = await rest('POST', '/api/v1/fleet/spec/teams', { token: t.adminToken, body: { specs: [{ name: 'T1' }, { name: 'T2' }] } });
  expect(created.status).toBe(200);
  const teams = await gql('{ teams { id name } }', {}, t.adminToken);
  const idOf = (name: string) => Number((teams.data.teams as { id: string; name: string }[]).find((x) => x.name === name)!.id);
  t1Id = idOf('T1');
  t2Id = idOf('T2');
  maintainer = await userToken(t, 'maint@example.com', { global_role: 'maintainer' });
  observer = await userToken(t, 'obs@example.com', { global_role: 'observer' });
  gitops = await userToken(t, 'gitops@example.com', { global_role: 'gitops' });
  t1Maintainer = await userToken(t, 't1-maint@example.com', { teams: [{ id: t1Id, role: 'maintainer' }] });
  t1Observer = await userToken(t, 't1-obs@example.com', { teams: [{ id: t1Id, role: 'observer' }] });
});

describe('creating and updating policies with POST /spec/policies', () => {
  it('should create a global policy and answer an empty object', async () => {
    const r = await applyPolicies([{ name: 'P1', query: 'SELECT 1', platform: 'darwin', description: 'd1', resolution: 'r1' }]);
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
    expect((await policies()).get('P1')).toEqual({
      name: 'P1',
      query: 'SELECT 1',
      description: 'd1',
      resolution: 'r1',
      platform: 'darwin',
      team: null,
    });
  });

  it('should default description, resolution and platform to empty', async () => {
    expect((await applyPolicies([{ name: 'bare', query: 'SELECT 1' }])).status).toBe(200);
    expect((await policies()).get('bare')).toEqual({ name: 'bare', query: 'SELECT 1', description: '', resolution: '', platform: '', team: null });
  });

  it('should change only query, description and resolution on update, keeping team and platform', async () => {
    await applyPolicies([{ name: 'P-up', query: 'SELECT 1', platform: 'darwin', description: 'old', resolution: 'old' }]);
    const r = await applyPolicies([{ name: 'P-up', query: 'SELECT 2', platform: 'windows', description: 'new', resolution: 'new', team: 'T1' }]);
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
    expect((await policies()).get('P-up')).toEqual({
      name: 'P-up',
      query: 'SELECT 2',
      description: 'new',
      resolution: 'new',
      platform: 'darwin',
      team: null,
    });
    expect((await policies(t1Id)).has('P-up')).toBe(false);
  });

  it('should keep one policy per name', async () => {
    await applyPolicies([{ name: 'once', query: 'SELECT 1' }]);
    await applyPolicies([{ name: 'once', query: 'SELECT 2' }]);
    expect((await allNames()).filter((n) => n === 'once')).toEqual(['once']);
  });

  it('should work under every API version', async () => {
    for (const v of ['v1', '2022-04', 'latest']) {
      const r = await rest('POST', `/api/${v}/fleet/spec/policies`, { token: t.adminToken, body: { specs: [{ name: `v-${v}`, query: 'SELECT 1' }] } });
      expect(r.status).toBe(200);
      expect((await policies()).has(`v-${v}`)).toBe(true);
    }
  });

  it('should answer 200 and change nothing for an empty list', async () => {
    const before = await allNames();
    expect((await applyPolicies([])).status).toBe(200);
    expect(await allNames()).toEqual(before);
  });
});

describe('policy platforms', () => {
  it.each([
    ['darwin, linux', 'darwin,linux'],
    ['windows', 'windows'],
    ['chrome,linux', 'chrome,linux'],
    ['linux,linux', 'linux'],
    ['', ''],
  ])('should accept the platform %j and store %j', async (platform, stored) => {
    const name = `platform ${JSON.stringify(platform)}`;
    expect((await applyPolicies([{ name, query: 'SELECT 1', platform }])).status).toBe(200);
    expect((await policies()).get(name)?.platform).toBe(stored);
  });

  it.each(['solaris', 'darwin,solaris', 'Darwin'])('should refuse the platform %j with 400 and write nothing', async (platform) => {
    const r = await applyPolicies([{ name: 'rolled-back', query: 'SELECT 1' }, { name: 'P-bad-platform', query: 'SELECT 1', platform }]);
    expect(errorOf(r)).toEqual(badRequest('policy spec payload verification: invalid policy platform'));
    const names = await allNames();
    expect(names).not.toContain('rolled-back');
    expect(names).not.toContain('P-bad-platform');
  });
});

describe('policy spec verification', () => {
  it.each([
    [{ name: '', query: 'SELECT 1' }, 'policy spec payload verification: policy name cannot be empty'],
    [{ name: '  ', query: 'SELECT 1' }, 'policy spec payload verification: policy name cannot be empty'],
    [{ query: 'SELECT 1' }, 'policy spec payload verification: policy name cannot be empty'],
    [{ name: 'no-query', query: '' }, 'policy spec payload verification: policy query cannot be empty'],
    [{ name: 'blank-query', query: ' \n ' }, 'policy spec payload verification: policy query cannot be empty'],
    [{ name: 'missing-query' }, 'policy spec payload verification: policy query cannot be empty'],
  ])('should refuse %j with 400 and write nothing', async (spec, reason) => {
    const r = await applyPolicies([{ name: 'rolled-back', query: 'SELECT 1' }, spec]);
    expect(errorOf(r)).toEqual(badRequest(reason));
    const names = await allNames();
    expect(names).not.toContain('rolled-back');
    expect(names).not.toContain((spec as { name?: string }).name);
  });

  it('should refuse duplicate names in one request with 400 and write nothing', async () => {
    const r = await applyPolicies([
      { name: 'dup', query: 'SELECT 1' },
      { name: 'other', query: 'SELECT 1' },
      { name: 'dup', query: 'SELECT 2', team: 'T1' },
    ]);
    expect(errorOf(r)).toEqual(badRequest('duplicate policy names not allowed'));
    const names = await allNames();
    expect(names).not.toContain('dup');
    expect(names).not.toContain('other');
  });

  it('should answer 400 "json decoder error" for wrong types', async () => {
    for (const raw of ['{"specs":[{"name":1,"query":"SELECT 1"}]}', '{"specs":{}}', '{"specs":[{"name":"typed","query":"SELECT 1","team":5}]}']) {
      expect(errorOf(await rest('POST', SPEC_POLICIES, { token: t.adminToken, raw }))).toEqual(badRequest('json decoder error'));
    }
    expect(await allNames()).not.toContain('typed');
  });

  it('should answer 400 "Expected JSON Body" for an empty body', async () => {
    expect(errorOf(await rest('POST', SPEC_POLICIES, { token: t.adminToken }))).toEqual(badRequest('Expected JSON Body'));
  });
});

describe('team policies', () => {
  it('should create a policy for the team named in the spec', async () => {
    const r = await applyPolicies([
      { name: 'T1-disk', query: 'SELECT 1', team: 'T1', platform: 'linux' },
      { name: 'T2-disk', query: 'SELECT 2', team: 'T2' },
      { name: 'global-disk', query: 'SELECT 3' },
    ]);
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
    expect((await policies(t1Id)).get('T1-disk')).toEqual({
      name: 'T1-disk',
      query: 'SELECT 1',
      description: '',
      resolution: '',
      platform: 'linux',
      team: { name: 'T1' },
    });
    expect([...(await policies(t2Id)).keys()]).toEqual(['T2-disk']);
    const global = await policies();
    expect(global.has('global-disk')).toBe(true);
    expect(global.has('T1-disk')).toBe(false);
  });

  it('should keep a team policy on its team when updated without a team', async () => {
    await applyPolicies([{ name: 'T1-stays', query: 'SELECT 1', team: 'T1' }]);
    expect((await applyPolicies([{ name: 'T1-stays', query: 'SELECT 2' }])).status).toBe(200);
    expect((await policies(t1Id)).get('T1-stays')).toMatchObject({ query: 'SELECT 2', team: { name: 'T1' } });
    expect((await policies()).has('T1-stays')).toBe(false);
  });

  it('should answer 404 for an unknown team and write nothing', async () => {
    const r = await applyPolicies([
      { name: 'rolled-back', query: 'SELECT 1' },
      { name: 'P-ghost', query: 'SELECT 1', team: 'x' },
    ]);
    expect(errorOf(r)).toEqual({ status: 404, message: 'Resource Not Found', errors: [{ name: 'base', reason: 'Team x was not found in the datastore' }] });
    const names = await allNames();
    expect(names).not.toContain('rolled-back');
    expect(names).not.toContain('P-ghost');
  });
});

describe('roles for POST /spec/policies', () => {
  it('should let a global maintainer and a gitops user write global and team policies', async () => {
    expect((await applyPolicies([{ name: 'by-maint', query: 'SELECT 1' }, { name: 'by-maint-T2', query: 'SELECT 1', team: 'T2' }], maintainer)).status).toBe(200);
    expect((await applyPolicies([{ name: 'by-gitops', query: 'SELECT 1' }, { name: 'by-gitops-T2', query: 'SELECT 1', team: 'T2' }], gitops)).status).toBe(200);
    expect(await allNames()).toEqual(expect.arrayContaining(['by-maint', 'by-maint-T2', 'by-gitops', 'by-gitops-T2']));
  });

  it('should let a team maintainer write their own team policies', async () => {
    const r = await applyPolicies([{ name: 'by-t1-maint', query: 'SELECT 1', team: 'T1' }], t1Maintainer);
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
    await applyPolicies([{ name: 'by-t1-maint', query: 'SELECT 2', team: 'T1' }], t1Maintainer);
    expect((await policies(t1Id)).get('by-t1-maint')?.query).toBe('SELECT 2');
  });

  it('should refuse a team maintainer writing global policies or another team policies with 403 and write nothing', async () => {
    expect(errorOf(await applyPolicies([{ name: 'by-t1-global', query: 'SELECT 1' }], t1Maintainer))).toEqual(FORBIDDEN);
    expect(errorOf(await applyPolicies([{ name: 'by-t1-T2', query: 'SELECT 1', team: 'T2' }], t1Maintainer))).toEqual(FORBIDDEN);
    expect(
      errorOf(await applyPolicies([{ name: 'by-t1-mixed', query: 'SELECT 1', team: 'T1' }, { name: 'by-t1-global', query: 'SELECT 1' }], t1Maintainer)),
    ).toEqual(FORBIDDEN);
    const names = await allNames();
    for (const n of ['by-t1-global', 'by-t1-T2', 'by-t1-mixed']) expect(names).not.toContain(n);
  });

  it('should answer a team maintainer 403, not 404, for an unknown team', async () => {
    expect(errorOf(await applyPolicies([{ name: 'by-t1-ghost', query: 'SELECT 1', team: 'x' }], t1Maintainer))).toEqual(FORBIDDEN);
  });

  it('should refuse a team maintainer overwriting a global or another team policy through their own team with 403', async () => {
    await applyPolicies([{ name: 'G-guarded', query: 'SELECT 1' }, { name: 'T2-guarded', query: 'SELECT 1', team: 'T2' }]);
    expect(errorOf(await applyPolicies([{ name: 'G-guarded', query: 'SELECT 666', team: 'T1' }], t1Maintainer))).toEqual(FORBIDDEN);
    expect(errorOf(await applyPolicies([{ name: 'T2-guarded', query: 'SELECT 666', team: 'T1' }], t1Maintainer))).toEqual(FORBIDDEN);
    expect((await policies()).get('G-guarded')?.query).toBe('SELECT 1');
    expect((await policies(t2Id)).get('T2-guarded')?.query).toBe('SELECT 1');
  });

  it.each([
    ['global observer', () => observer],
    ['team observer', () => t1Observer],
  ])('should refuse a %s with 403 and write nothing', async (_role, token) => {
    expect(errorOf(await applyPolicies([{ name: 'by-observer', query: 'SELECT 1' }], token()))).toEqual(FORBIDDEN);
    expect(errorOf(await applyPolicies([{ name: 'by-observer-T1', query: 'SELECT 1', team: 'T1' }], token()))).toEqual(FORBIDDEN);
    const names = await allNames();
    expect(names).not.toContain('by-observer');
    expect(names).not.toContain('by-observer-T1');
  });

  it('should answer 401 without a token', async () => {
    expect(errorOf(await rest('POST', SPEC_POLICIES, { body: { specs: [{ name: 'anon', query: 'SELECT 1' }] } }))).toEqual({
      status: 401,
      message: 'Authorization header required',
      errors: [{ name: 'base', reason: 'Authorization header required' }],
    });
  });
});

describe('POST /spec/policies under the free license', () => {
  it('should accept global policies but answer 402 for team policies', async () => {
    const free = await startApp({ license: 'free' });
    const freeRest = restClient(free.url);
    const freeGql = gqlClient(free.url);
    const ok = await freeRest('POST', SPEC_POLICIES, { token: free.adminToken, body: { specs: [{ name: 'free-global', query: 'SELECT 1' }] } });
    expect(ok.status).toBe(200);
    const r = await freeRest('POST', SPEC_POLICIES, {
      token: free.adminToken,
      body: { specs: [{ name: 'free-rolled-back', query: 'SELECT 1' }, { name: 'free-team', query: 'SELECT 1', team: 'T1' }] },
    });
    expect(errorOf(r)).toEqual({
      status: 402,
      message: 'Requires Fleet Premium license',
      errors: [{ name: 'base', reason: 'Requires Fleet Premium license' }],
    });
    const list = await freeGql('{ policies { name } }', {}, free.adminToken);
    expect(list.data.policies).toEqual([{ name: 'free-global' }]);
  });
});
