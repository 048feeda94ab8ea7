import { beforeAll, describe, expect, it } from 'vitest';
import { errorOf, gqlClient, restClient, userToken } from '../helpers/clients.js';
import { startApp, type TestApp } from '../helpers/harness.js';

type TeamView = { id: number; name: string; agentOptions: unknown; secrets: { secret: string; createdAt: string }[] };

let t: TestApp;
let rest: ReturnType<typeof restClient>;
let gql: ReturnType<typeof gqlClient>;
let alphaId: number;
let betaId: number;
let maintainer: string;
let observer: string;
let gitops: string;
let alphaAdmin: string;
let alphaMaintainer: string;

const SPEC_TEAMS = '/api/v1/fleet/spec/teams';
const FORBIDDEN = { status: 403, message: 'forbidden', errors: [{ name: 'base', reason: 'forbidden' }] };
const OPTIONS_A = { config: { options: { distributed_interval: 30 } } };
const OPTIONS_B = { config: { decorators: { load: ['SELECT 1;'] } }, overrides: { platforms: { darwin: { options: {} } } } };

const applyTeams = (specs: unknown[], token = t.adminToken, query = '') =>
  rest('POST', `${SPEC_TEAMS}${query}`, { token, body: { specs } });

/** Every team as the admin sees it through GraphQL, by name. */
async function teams(): Promise<Map<string, TeamView>> {
  const r = await gql('{ teams { id name agentOptions enrollSecrets { secret createdAt } } }', {}, t.adminToken);
  expect(r.errors).toBeUndefined();
  const list = r.data.teams as { id: string; name: string; agentOptions: unknown; enrollSecrets: TeamView['secrets'] }[];
  return new Map(list.map((x) => [x.name, { id: Number(x.id), name: x.name, agentOptions: x.agentOptions, secrets: x.enrollSecrets }]));
}

async function team(name: string): Promise<TeamView | undefined> {
  return (await teams()).get(name);
}

const secretsOf = async (name: string) => (await team(name))?.secrets.map((s) => s.secret).sort();

beforeAll(async () => {
  t = await startApp();
  rest = restClient(t.url);
  gql = gqlClient(t.url);
  const created = await applyTeams([{ name: 'alpha' }, { name: 'beta' }]);
  expect(created.status).toBe(200);
  const all = await teams();
  alphaId = all.get('alpha')!.id;
  betaId = all.get('beta')!.id;
  maintainer = await userToken(t, 'maint@example.com', { global_role: 'maintainer' });
  observer = await userToken(t, 'obs@example.com', { global_role: 'observer' });
  gitops = await userToken(t, 'gitops@example.com', { global_role: 'gitops' });
  alphaAdmin = await userToken(t, 'alpha-admin@example.com', { teams: [{ id: alphaId, role: 'admin' }] });
  alphaMaintainer = await userToken(t, 'alpha-maint@example.com', { teams: [{ id: alphaId, role: 'maintainer' }] });
});

describe('creating teams with POST /spec/teams', () => {
  it('should create a team with its agent options and secrets and answer an empty object', async () => {
    const r = await applyTeams([{ name: 'gamma', agent_options: OPTIONS_A, secrets: [{ secret: 'gamma-1' }, { secret: 'gamma-2' }] }]);
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
    const gamma = await team('gamma');
    expect(gamma?.agentOptions).toEqual(OPTIONS_A);
    expect(gamma?.secrets.map((s) => s.secret).sort()).toEqual(['gamma-1', 'gamma-2']);
  });

  it('should leave a new team without agent options so that it uses the global ones', async () => {
    expect((await applyTeams([{ name: 'delta' }])).status).toBe(200);
    expect(await team('delta')).toMatchObject({ agentOptions: null, secrets: [] });
  });

  it('should trim the team name', async () => {
    expect((await applyTeams([{ name: '  epsilon  ' }])).status).toBe(200);
    const names = [...(await teams()).keys()];
    expect(names).toContain('epsilon');
    expect(names).not.toContain('  epsilon  ');
  });

  it('should apply the last spec when one name appears twice in a request', async () => {
    expect((await applyTeams([{ name: 'twice', agent_options: OPTIONS_A }, { name: 'twice', agent_options: OPTIONS_B }])).status).toBe(200);
    expect((await team('twice'))?.agentOptions).toEqual(OPTIONS_B);
  });

  it('should work under every API version', async () => {
    for (const v of ['v1', '2022-04', 'latest']) {
      const r = await rest('POST', `/api/${v}/fleet/spec/teams`, { token: t.adminToken, body: { specs: [{ name: `version-${v}` }] } });
      expect(r.status).toBe(200);
      expect(await team(`version-${v}`)).toBeDefined();
    }
  });
});

describe('editing teams with POST /spec/teams', () => {
  it('should replace agent options wholesale, keep them when omitted and reset them with null', async () => {
    await applyTeams([{ name: 'edit-options', agent_options: OPTIONS_A }]);
    await applyTeams([{ name: 'edit-options', agent_options: OPTIONS_B }]);
    expect((await team('edit-options'))?.agentOptions).toEqual(OPTIONS_B);

    await applyTeams([{ name: 'edit-options' }]);
    expect((await team('edit-options'))?.agentOptions).toEqual(OPTIONS_B);

    await applyTeams([{ name: 'edit-options', agent_options: null }]);
    expect((await team('edit-options'))?.agentOptions).toBeNull();
  });

  it('should keep the secrets when the list is empty or omitted and replace them when it is not', async () => {
    await applyTeams([{ name: 'edit-secrets', secrets: [{ secret: 'es-1' }, { secret: 'es-2' }] }]);
    const before = await team('edit-secrets');

    await applyTeams([{ name: 'edit-secrets', secrets: [] }]);
    await applyTeams([{ name: 'edit-secrets' }]);
    await applyTeams([{ name: 'edit-secrets', secrets: null }]);
    expect(await team('edit-secrets')).toEqual(before);

    await applyTeams([{ name: 'edit-secrets', secrets: [{ secret: 'es-2' }, { secret: 'es-3' }] }]);
    const after = await team('edit-secrets');
    expect(after?.secrets.map((s) => s.secret).sort()).toEqual(['es-2', 'es-3']);
    // A kept secret keeps its creation time.
    const kept = (v: TeamView | undefined) => v?.secrets.find((s) => s.secret === 'es-2')?.createdAt;
    expect(kept(after)).toBe(kept(before));
  });

  it('should keep the team id when a team is edited', async () => {
    await applyTeams([{ name: 'alpha', agent_options: OPTIONS_A }]);
    expect((await team('alpha'))?.id).toBe(alphaId);
    await applyTeams([{ name: 'alpha', agent_options: null }]);
  });
});

describe('agent options validation in POST /spec/teams', () => {
  it.each([
    [{ bogus: 1 }, 'unsupported key provided: "bogus"'],
    [{ config: { bogus: 1 } }, 'unsupported key provided: "bogus" in config'],
    [{ config: { options: 5 } }, 'config.options must be an object'],
    [{ overrides: { platforms: { darwin: { nope: {} } } } }, 'unsupported key provided: "nope" in overrides.platforms.darwin'],
    [{ command_line_flags: 'x' }, 'command_line_flags must be an object'],
  ])('should refuse agent options %j with 400 and write nothing', async (options, reason) => {
    const r = await applyTeams([{ name: 'rolled-back' }, { name: 'beta', agent_options: options }]);
    expect(errorOf(r)).toEqual({ status: 400, message: 'Bad request', errors: [{ name: 'base', reason }] });
    const all = await teams();
    expect(all.has('rolled-back')).toBe(false);
    expect(all.get('beta')?.agentOptions).toBeNull();
  });

  it('should store invalid agent options with ?force=true', async () => {
    const r = await applyTeams([{ name: 'forced', agent_options: { bogus: 1 } }], t.adminToken, '?force=true');
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
    expect((await team('forced'))?.agentOptions).toEqual({ bogus: 1 });
  });

  it('should validate but write nothing with ?dry_run=true', async () => {
    const ok = await applyTeams(
      [{ name: 'dry', agent_options: OPTIONS_A, secrets: [{ secret: 'dry-1' }] }, { name: 'beta', agent_options: OPTIONS_A }],
      t.adminToken,
      '?dry_run=true',
    );
    expect({ status: ok.status, body: ok.body }).toEqual({ status: 200, body: {} });
    const all = await teams();
    expect(all.has('dry')).toBe(false);
    expect(all.get('beta')?.agentOptions).toBeNull();

    const bad = await applyTeams([{ name: 'dry', agent_options: { bogus: 1 } }], t.adminToken, '?dry_run=true');
    expect(errorOf(bad)).toEqual({ status: 400, message: 'Bad request', errors: [{ name: 'base', reason: 'unsupported key provided: "bogus"' }] });
    expect(await team('dry')).toBeUndefined();
  });

  it('should accept invalid agent options with ?dry_run=true&force=true and still write nothing', async () => {
    const r = await applyTeams([{ name: 'dry-forced', agent_options: { bogus: 1 } }], t.adminToken, '?dry_run=true&force=true');
    expect(r.status).toBe(200);
    expect(await team('dry-forced')).toBeUndefined();
  });

  it('should answer 400 "json decoder error" when agent options are not an object', async () => {
    for (const agent_options of ['x', 5, true]) {
      expect(errorOf(await applyTeams([{ name: 'not-object', agent_options }]))).toEqual({
        status: 400,
        message: 'Bad request',
        errors: [{ name: 'base', reason: 'json decoder error' }],
      });
    }
    expect(await team('not-object')).toBeUndefined();
  });
});

describe('team names and secrets validation in POST /spec/teams', () => {
  it.each(['', '   '])('should refuse the team name %j with 422 and write nothing', async (name) => {
    const r = await applyTeams([{ name: 'rolled-back' }, { name }]);
    expect(errorOf(r)).toEqual({ status: 422, message: 'Validation Failed', errors: [{ name: 'name', reason: 'name may not be empty' }] });
    expect(await team('rolled-back')).toBeUndefined();
  });

  it('should refuse a spec without a name with 422', async () => {
    expect(errorOf(await applyTeams([{ agent_options: OPTIONS_A }]))).toEqual({
      status: 422,
      message: 'Validation Failed',
      errors: [{ name: 'name', reason: 'name may not be empty' }],
    });
  });

  it('should refuse more than 50 secrets with 422 and write nothing', async () => {
    const secrets = Array.from({ length: 51 }, (_, i) => ({ secret: `many-${i}` }));
    const r = await applyTeams([{ name: 'rolled-back' }, { name: 'beta', secrets }]);
    expect(errorOf(r)).toEqual({ status: 422, message: 'Validation Failed', errors: [{ name: 'secrets', reason: 'too many secrets' }] });
    expect(await team('rolled-back')).toBeUndefined();
    expect(await secretsOf('beta')).toEqual([]);
  });

  it('should accept exactly 50 secrets', async () => {
    const secrets = Array.from({ length: 50 }, (_, i) => ({ secret: `fifty-${i}` }));
    expect((await applyTeams([{ name: 'fifty', secrets }])).status).toBe(200);
    expect((await secretsOf('fifty'))?.length).toBe(50);
  });

  it.each([[{ secret: '' }], [{ secret: '  ' }], [{}]])('should refuse the secret %j with 422 and write nothing', async (secret) => {
    const r = await applyTeams([{ name: 'rolled-back' }, { name: 'beta', secrets: [{ secret: 'fine' }, secret] }]);
    expect(errorOf(r)).toEqual({
      status: 422,
      message: 'Validation Failed',
      errors: [{ name: 'secrets', reason: 'enroll secret must not be empty' }],
    });
    expect(await team('rolled-back')).toBeUndefined();
    expect(await secretsOf('beta')).toEqual([]);
  });

  const inUse = { status: 422, message: 'Validation Failed', errors: [{ name: 'secrets', reason: 'one or more enroll secrets are already in use by another team' }] };

  it('should refuse a secret another team uses with 422 and write nothing', async () => {
    await applyTeams([{ name: 'owner', secrets: [{ secret: 'owned' }] }]);
    expect(errorOf(await applyTeams([{ name: 'beta', secrets: [{ secret: 'owned' }] }]))).toEqual(inUse);
    expect(errorOf(await applyTeams([{ name: 'thief', secrets: [{ secret: 'owned' }] }]))).toEqual(inUse);
    expect(await secretsOf('beta')).toEqual([]);
    expect(await team('thief')).toBeUndefined();
    expect(await secretsOf('owner')).toEqual(['owned']);
  });

  it('should refuse a global enroll secret for an existing or a new team with 422', async () => {
    const global = await rest('POST', '/api/v1/fleet/spec/enroll_secret', { token: t.adminToken, body: { spec: { secrets: [{ secret: 'global-1' }] } } });
    expect(global.status).toBe(200);
    expect(errorOf(await applyTeams([{ name: 'beta', secrets: [{ secret: 'global-1' }] }]))).toEqual(inUse);
    expect(errorOf(await applyTeams([{ name: 'new-with-global', secrets: [{ secret: 'global-1' }] }]))).toEqual(inUse);
    expect(await team('new-with-global')).toBeUndefined();
    const after = await rest('GET', '/api/v1/fleet/spec/enroll_secret', { token: t.adminToken });
    expect(after.body.spec.secrets.map((s: { secret: string }) => s.secret)).toEqual(['global-1']);
  });

  it('should refuse the same secret for two teams in one request with 422 and write nothing', async () => {
    const r = await applyTeams([
      { name: 'twin-1', secrets: [{ secret: 'shared' }] },
      { name: 'twin-2', secrets: [{ secret: 'shared' }] },
    ]);
    expect(errorOf(r)).toEqual(inUse);
    const all = await teams();
    expect(all.has('twin-1')).toBe(false);
    expect(all.has('twin-2')).toBe(false);
  });

  it('should let a team re-apply its own secrets, duplicates included', async () => {
    await applyTeams([{ name: 'own', secrets: [{ secret: 'own-1' }] }]);
    expect((await applyTeams([{ name: 'own', secrets: [{ secret: 'own-1' }, { secret: 'own-1' }, { secret: 'own-2' }] }])).status).toBe(200);
    expect(await secretsOf('own')).toEqual(['own-1', 'own-2']);
  });
});

describe('roles for POST /spec/teams', () => {
  it.each([
    ['global maintainer', () => maintainer],
    ['global observer', () => observer],
    ['team maintainer', () => alphaMaintainer],
  ])('should refuse a %s creating or editing a team with 403 and write nothing', async (_role, token) => {
    expect(errorOf(await applyTeams([{ name: 'by-non-admin' }], token()))).toEqual(FORBIDDEN);
    expect(errorOf(await applyTeams([{ name: 'alpha', agent_options: OPTIONS_A }], token()))).toEqual(FORBIDDEN);
    const all = await teams();
    expect(all.has('by-non-admin')).toBe(false);
    expect(all.get('alpha')?.agentOptions).toBeNull();
  });

  it('should let a team admin edit their own team', async () => {
    const r = await applyTeams([{ name: 'alpha', agent_options: OPTIONS_A, secrets: [{ secret: 'alpha-1' }] }], alphaAdmin);
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
    const alpha = await team('alpha');
    expect(alpha?.agentOptions).toEqual(OPTIONS_A);
    expect(alpha?.secrets.map((s) => s.secret)).toEqual(['alpha-1']);
    await applyTeams([{ name: 'alpha', agent_options: null }]);
  });

  it('should refuse a team admin creating a team or editing another team with 403 and write nothing', async () => {
    expect(errorOf(await applyTeams([{ name: 'by-team-admin' }], alphaAdmin))).toEqual(FORBIDDEN);
    expect(errorOf(await applyTeams([{ name: 'beta', agent_options: OPTIONS_A }], alphaAdmin))).toEqual(FORBIDDEN);
    expect(errorOf(await applyTeams([{ name: 'alpha', agent_options: OPTIONS_B }, { name: 'beta' }], alphaAdmin))).toEqual(FORBIDDEN);
    const all = await teams();
    expect(all.has('by-team-admin')).toBe(false);
    expect(all.get('beta')?.agentOptions).toBeNull();
    expect(all.get('alpha')?.agentOptions).toBeNull();
    expect(all.get('beta')?.id).toBe(betaId);
  });

  it('should let a gitops user create and edit teams', async () => {
    expect((await applyTeams([{ name: 'by-gitops' }], gitops)).status).toBe(200);
    expect((await applyTeams([{ name: 'by-gitops', agent_options: OPTIONS_A }], gitops)).status).toBe(200);
    expect((await team('by-gitops'))?.agentOptions).toEqual(OPTIONS_A);
  });

  it('should answer 401 without a token', async () => {
    expect(errorOf(await rest('POST', SPEC_TEAMS, { body: { specs: [{ name: 'anon' }] } }))).toEqual({
      status: 401,
      message: 'Authorization header required',
      errors: [{ name: 'base', reason: 'Authorization header required' }],
    });
    expect(await team('anon')).toBeUndefined();
  });
});

describe('POST /spec/teams under the free license', () => {
  it('should answer 402 "Requires Fleet Premium license" and write nothing', async () => {
    const free = await startApp({ license: 'free' });
    const freeRest = restClient(free.url);
    const r = await freeRest('POST', SPEC_TEAMS, { token: free.adminToken, body: { specs: [{ name: 't1', secrets: [{ secret: 'free-1' }] }] } });
    expect(errorOf(r)).toEqual({
      status: 402,
      message: 'Requires Fleet Premium license',
      errors: [{ name: 'base', reason: 'Requires Fleet Premium license' }],
    });
    // Had the team been written, its secret could not become a global one.
    const global = await freeRest('POST', '/api/v1/fleet/spec/enroll_secret', { token: free.adminToken, body: { spec: { secrets: [{ secret: 'free-1' }] } } });
    expect(global.status).toBe(200);
  });
});
