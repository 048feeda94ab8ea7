import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { gqlClient, restClient, userToken, type GqlReply } from '../helpers/clients.js';
import { ADMIN, PASSWORD, startApp, type TestApp } from '../helpers/harness.js';

let t: TestApp;
let gql: ReturnType<typeof gqlClient>;
let rest: ReturnType<typeof restClient>;
let admin: string;
let maintainer: string;
let observer: string;
let free: TestApp;

const POLICY_REASON = 'Password must be 12 to 48 characters long and include at least one number and one symbol';
const DATE = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

const codeOf = (r: GqlReply) => r.errors?.[0]?.extensions?.code;
const invalidOf = (r: GqlReply) => r.errors?.[0]?.extensions?.invalid;
/** The `errors` list REST answers for the same input, to compare with GraphQL's `extensions.invalid`. */
const restErrors = async (method: string, path: string, body: unknown) =>
  (await rest(method, path, { token: admin, body })).body.errors as { name: string; reason: string }[];

beforeAll(async () => {
  t = await startApp();
  gql = gqlClient(t.url);
  rest = restClient(t.url);
  admin = t.adminToken;
  maintainer = await userToken(t, 'maintainer@example.com', { global_role: 'maintainer' });
  observer = await userToken(t, 'observer@example.com', { global_role: 'observer' });
  free = await startApp({ license: 'free' });
});

describe('authentication', () => {
  it('should answer UNAUTHENTICATED without a token, for an unknown token and for a non-Bearer scheme', async () => {
    for (const token of [undefined, 'not-a-session']) {
      const r = await gql('{ me { id } }', {}, token);
      expect({ status: r.status, code: codeOf(r), message: r.errors?.[0]?.message, path: r.errors?.[0]?.path }).toEqual({
        status: 200,
        code: 'UNAUTHENTICATED',
        message: 'Authentication required',
        path: ['me'],
      });
    }
    const basic = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${admin}` },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(codeOf((await basic.json()) as GqlReply)).toBe('UNAUTHENTICATED');
  });

  it('should accept a lower-case bearer scheme', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `bearer ${admin}` },
      body: JSON.stringify({ query: '{ me { email } }' }),
    });
    expect(await res.json()).toEqual({ data: { me: { email: ADMIN.email } } });
  });
});

describe('Query.me and Query.users', () => {
  it('should answer the caller', async () => {
    const r = await gql('{ me { id name email globalRole apiOnly teams { role } createdAt updatedAt } }', {}, observer);
    expect(r).toEqual({
      status: 200,
      data: {
        me: {
          id: expect.any(String),
          name: 'observer',
          email: 'observer@example.com',
          globalRole: 'observer',
          apiOnly: false,
          teams: [],
          createdAt: DATE,
          updatedAt: DATE,
        },
      },
    });
  });

  it('should list users for an admin', async () => {
    const r = await gql('{ users { email globalRole } }', {}, admin);
    expect(r.data.users.slice(0, 3)).toEqual([
      { email: ADMIN.email, globalRole: 'admin' },
      { email: 'maintainer@example.com', globalRole: 'maintainer' },
      { email: 'observer@example.com', globalRole: 'observer' },
    ]);
  });

  it('should refuse users to a maintainer with FORBIDDEN and to nobody with UNAUTHENTICATED', async () => {
    expect(codeOf(await gql('{ users { email } }', {}, maintainer))).toBe('FORBIDDEN');
    expect(codeOf(await gql('{ users { email } }'))).toBe('UNAUTHENTICATED');
  });
});

describe('Mutation.setup', () => {
  const SETUP = `mutation ($input: SetupInput!) {
    setup(input: $input) { token user { email globalRole apiOnly } config { orgInfo { orgName } serverSettings { serverUrl } license { tier } } }
  }`;
  const input = { name: 'Root', email: 'root@example.com', password: ADMIN.password, orgName: 'Initech', serverUrl: 'https://f.example.com' };

  it('should create the first admin and answer a working token and the config', async () => {
    const fresh = await startApp({}, { setup: false });
    const g = gqlClient(fresh.url);
    const r = await g(SETUP, { input });
    expect(r.data.setup).toEqual({
      token: expect.stringMatching(/^[\w-]{43}$/),
      user: { email: 'root@example.com', globalRole: 'admin', apiOnly: false },
      config: { orgInfo: { orgName: 'Initech' }, serverSettings: { serverUrl: 'https://f.example.com' }, license: { tier: 'premium' } },
    });
    expect((await g('{ me { email } }', {}, r.data.setup.token)).data).toEqual({ me: { email: 'root@example.com' } });
  });

  it('should default the server URL to empty', async () => {
    const fresh = await startApp({}, { setup: false });
    const { serverUrl: _, ...rest } = input;
    const r = await gqlClient(fresh.url)(SETUP, { input: rest });
    expect(r.data.setup.config.serverSettings).toEqual({ serverUrl: '' });
  });

  it('should answer CONFLICT once setup is done', async () => {
    const r = await gql(SETUP, { input });
    expect({ code: codeOf(r), message: r.errors?.[0]?.message, data: r.data }).toEqual({
      code: 'CONFLICT',
      message: 'setup has already been completed',
      data: null,
    });
  });

  it('should answer VALIDATION_FAILED with the same invalid list as REST, and create nothing', async () => {
    const fresh = await startApp({}, { setup: false });
    const g = gqlClient(fresh.url);
    const r = restClient(fresh.url);
    const cases = [
      { ...input, password: 'weak' },
      { ...input, name: ' ', email: 'nope', orgName: '' },
    ];
    for (const bad of cases) {
      const got = await g(SETUP, { input: bad });
      const viaRest = await r('POST', '/api/v1/setup', {
        body: { admin: { name: bad.name, email: bad.email, password: bad.password }, org_info: { org_name: bad.orgName } },
      });
      expect(codeOf(got)).toBe('VALIDATION_FAILED');
      expect(invalidOf(got)).toEqual(viaRest.body.errors);
    }
    expect(invalidOf(await g(SETUP, { input: cases[0] }))).toEqual([{ name: 'password', reason: POLICY_REASON }]);
    expect((await g(SETUP, { input })).data.setup.user.email).toBe('root@example.com');
  });
});

describe('Mutation.login and Mutation.logout', () => {
  const LOGIN = 'mutation ($e: String!, $p: String!) { login(email: $e, password: $p) { token user { email globalRole } } }';

  it('should answer a session whose token works', async () => {
    const r = await gql(LOGIN, { e: ADMIN.email, p: ADMIN.password });
    expect(r.data.login).toEqual({ token: expect.stringMatching(/^[\w-]{43}$/), user: { email: ADMIN.email, globalRole: 'admin' } });
    expect((await gql('{ me { email } }', {}, r.data.login.token)).data.me.email).toBe(ADMIN.email);
  });

  it('should answer UNAUTHENTICATED "Authentication failed" for a wrong password and an unknown email', async () => {
    for (const vars of [{ e: ADMIN.email, p: 'wrong-password-1!' }, { e: 'nobody@example.com', p: ADMIN.password }]) {
      const r = await gql(LOGIN, vars);
      expect({ code: codeOf(r), message: r.errors?.[0]?.message, data: r.data }).toEqual({
        code: 'UNAUTHENTICATED',
        message: 'Authentication failed',
        data: null,
      });
    }
  });

  it('should answer RATE_LIMITED with retryAfter once the attempts are spent', async () => {
    const limited = await startApp({ loginRateLimit: 2 });
    const g = gqlClient(limited.url);
    await g(LOGIN, { e: ADMIN.email, p: 'wrong-password-1!' });
    await g(LOGIN, { e: ADMIN.email, p: 'wrong-password-1!' });
    const r = await g(LOGIN, { e: ADMIN.email, p: ADMIN.password });
    expect(codeOf(r)).toBe('RATE_LIMITED');
    const retryAfter = r.errors?.[0]?.extensions as { retryAfter?: number };
    expect(retryAfter.retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter.retryAfter).toBeLessThanOrEqual(60);
  });

  it('should end only the caller’s session on logout', async () => {
    const { data } = await gql(LOGIN, { e: ADMIN.email, p: ADMIN.password });
    const token = data.login.token as string;
    expect(await gql('mutation { logout }', {}, token)).toEqual({ status: 200, data: { logout: true } });
    const after = await gql('{ me { email } }', {}, token);
    expect({ code: codeOf(after), message: after.errors?.[0]?.message }).toEqual({ code: 'UNAUTHENTICATED', message: 'Authentication required' });
    expect((await rest('GET', '/api/v1/fleet/me', { token })).status).toBe(401);
    expect((await gql('{ me { email } }', {}, admin)).data.me.email).toBe(ADMIN.email);
  });

  it('should answer UNAUTHENTICATED for logout without a token', async () => {
    expect(codeOf(await gql('mutation { logout }'))).toBe('UNAUTHENTICATED');
  });
});

describe('Mutation.createUser', () => {
  const CREATE = `mutation ($input: CreateUserInput!) {
    createUser(input: $input) { token user { email name globalRole apiOnly teams { role team { id name } } } }
  }`;
  let teamId: string;

  beforeAll(async () => {
    await gql('mutation { applyTeamSpecs(specs: [{name: "Users Team"}]) { teams { created } } }', {}, admin);
    teamId = (await gql('{ team(name: "Users Team") { id } }', {}, admin)).data.team.id;
  });

  it('should create a user with a global role and no token', async () => {
    const r = await gql(CREATE, { input: { name: 'Gina', email: 'gina@example.com', password: PASSWORD, globalRole: 'observer_plus' } }, admin);
    expect(r.data.createUser).toEqual({
      token: null,
      user: { email: 'gina@example.com', name: 'Gina', globalRole: 'observer_plus', apiOnly: false, teams: [] },
    });
  });

  it('should create a user with team roles, resolving each team', async () => {
    const r = await gql(CREATE, { input: { name: 'Tim', email: 'tim@example.com', password: PASSWORD, teams: [{ teamId, role: 'admin' }] } }, admin);
    expect(r.data.createUser.user).toMatchObject({ globalRole: null, teams: [{ role: 'admin', team: { id: teamId, name: 'Users Team' } }] });
  });

  it('should answer an API-only user’s token, which works as a Bearer token', async () => {
    const r = await gql(CREATE, { input: { name: 'Bot', email: 'gql-bot@example.com', password: PASSWORD, globalRole: 'gitops', apiOnly: true } }, admin);
    expect(r.data.createUser.token).toMatch(/^[\w-]{43}$/);
    expect((await gql('{ me { email apiOnly } }', {}, r.data.createUser.token)).data).toEqual({ me: { email: 'gql-bot@example.com', apiOnly: true } });
    const login = await gql('mutation ($p: String!) { login(email: "gql-bot@example.com", password: $p) { token } }', { p: PASSWORD });
    expect(codeOf(login)).toBe('UNAUTHENTICATED');
  });

  it('should answer VALIDATION_FAILED with the same invalid list as REST, and create nothing', async () => {
    const cases: { gql: Record<string, unknown>; rest: Record<string, unknown> }[] = [
      { gql: { globalRole: 'observer', teams: [{ teamId, role: 'observer' }] }, rest: { global_role: 'observer', teams: [{ id: Number(teamId), role: 'observer' }] } },
      { gql: {}, rest: {} },
      { gql: { teams: [{ teamId, role: 'gitops' }] }, rest: { teams: [{ id: Number(teamId), role: 'gitops' }] } },
      { gql: { globalRole: 'observer', password: 'weak' }, rest: { global_role: 'observer', password: 'weak' } },
      { gql: { globalRole: 'observer', name: '', email: 'nope' }, rest: { global_role: 'observer', name: '', email: 'nope' } },
    ];
    for (const c of cases) {
      const base = { name: 'Val', email: 'val@example.com', password: PASSWORD };
      const got = await gql(CREATE, { input: { ...base, ...c.gql } }, admin);
      const viaRest = await restErrors('POST', '/api/v1/fleet/users/admin', { ...base, ...c.rest });
      expect(codeOf(got)).toBe('VALIDATION_FAILED');
      expect(invalidOf(got)).toEqual(viaRest);
      expect(viaRest.length).toBeGreaterThan(0);
    }
    const emails = (await gql('{ users { email } }', {}, admin)).data.users.map((u: { email: string }) => u.email);
    expect(emails).not.toContain('val@example.com');
  });

  it('should answer CONFLICT for an email in use and NOT_FOUND for an unknown team', async () => {
    const dup = await gql(CREATE, { input: { name: 'Dup', email: ADMIN.email, password: PASSWORD, globalRole: 'observer' } }, admin);
    expect(codeOf(dup)).toBe('CONFLICT');
    const ghost = await gql(CREATE, { input: { name: 'G', email: 'ghost@example.com', password: PASSWORD, teams: [{ teamId: '9999', role: 'observer' }] } }, admin);
    expect({ code: codeOf(ghost), message: ghost.errors?.[0]?.message }).toEqual({
      code: 'NOT_FOUND',
      message: 'Team 9999 was not found in the datastore',
    });
  });

  it('should answer FORBIDDEN to an observer and UNAUTHENTICATED to nobody', async () => {
    const input = { name: 'X', email: 'x@example.com', password: PASSWORD, globalRole: 'admin' };
    expect(codeOf(await gql(CREATE, { input }, observer))).toBe('FORBIDDEN');
    expect(codeOf(await gql(CREATE, { input }))).toBe('UNAUTHENTICATED');
  });
});

describe('saved queries', () => {
  const APPLY = 'mutation ($specs: [QuerySpecInput!]!) { applyQuerySpecs(specs: $specs) { queries { created updated } packs { created } } }';
  const FIELDS = 'name description query observerCanRun platform minOsqueryVersion interval automationsEnabled logging';

  it('should create, then update, and read back through savedQueries and savedQuery', async () => {
    const first = await gql(
      APPLY,
      { specs: [{ name: 'gq1', query: 'SELECT 1', description: 'one', interval: 60, observerCanRun: true, platform: 'darwin' }, { name: 'gq2', query: 'SELECT 2' }] },
      admin,
    );
    expect(first).toEqual({ status: 200, data: { applyQuerySpecs: { queries: { created: 2, updated: 0 }, packs: null } } });
    const second = await gql(APPLY, { specs: [{ name: 'gq2', query: 'SELECT 22' }] }, admin);
    expect(second.data.applyQuerySpecs.queries).toEqual({ created: 0, updated: 1 });

    const one = await gql(`{ savedQuery(name: "gq1") { id createdAt updatedAt ${FIELDS} } }`, {}, observer);
    expect(one.data.savedQuery).toEqual({
      id: expect.any(String),
      createdAt: DATE,
      updatedAt: DATE,
      name: 'gq1',
      description: 'one',
      query: 'SELECT 1',
      observerCanRun: true,
      platform: 'darwin',
      minOsqueryVersion: '',
      interval: 60,
      automationsEnabled: false,
      logging: 'snapshot',
    });
    const all = await gql('{ savedQueries { name query } }', {}, observer);
    expect(all.data.savedQueries).toEqual(expect.arrayContaining([{ name: 'gq1', query: 'SELECT 1' }, { name: 'gq2', query: 'SELECT 22' }]));
  });

  it('should answer NOT_FOUND for an unknown name', async () => {
    const r = await gql('{ savedQuery(name: "nope") { name } }', {}, admin);
    expect({ code: codeOf(r), message: r.errors?.[0]?.message }).toEqual({ code: 'NOT_FOUND', message: 'Query nope was not found in the datastore' });
  });

  it('should answer BAD_REQUEST with REST’s reason for an invalid spec, and write nothing', async () => {
    const specs = [{ name: 'gq-rolled-back', query: 'SELECT 1' }, { name: 'gq-bad', query: '  ' }];
    const r = await gql(APPLY, { specs }, admin);
    expect({ code: codeOf(r), message: r.errors?.[0]?.message }).toEqual({
      code: 'BAD_REQUEST',
      message: "query payload verification: query's SQL query cannot be empty",
    });
    expect((await restErrors('POST', '/api/v1/fleet/spec/queries', { specs }))[0]?.reason).toBe(r.errors?.[0]?.message);
    expect(codeOf(await gql('{ savedQuery(name: "gq-rolled-back") { name } }', {}, admin))).toBe('NOT_FOUND');
  });

  it('should answer FORBIDDEN to an observer, and write nothing', async () => {
    expect(codeOf(await gql(APPLY, { specs: [{ name: 'gq-observer', query: 'SELECT 1' }] }, observer))).toBe('FORBIDDEN');
    expect(codeOf(await gql('{ savedQuery(name: "gq-observer") { name } }', {}, admin))).toBe('NOT_FOUND');
  });

  it('should answer UNAUTHENTICATED without a token', async () => {
    expect(codeOf(await gql('{ savedQueries { name } }'))).toBe('UNAUTHENTICATED');
    expect(codeOf(await gql(APPLY, { specs: [] }))).toBe('UNAUTHENTICATED');
  });
});

describe('labels', () => {
  const APPLY = 'mutation ($specs: [LabelSpecInput!]!) { applyLabelSpecs(specs: $specs) { labels { created updated } } }';

  it('should create labels and read them back through labels and label', async () => {
    const r = await gql(
      APPLY,
      {
        specs: [
          { name: 'gl-dynamic', query: 'SELECT 1 FROM os_version', description: 'dyn', platform: 'darwin' },
          { name: 'gl-manual', labelMembershipType: 'manual', hosts: ['no-such-host'] },
        ],
      },
      admin,
    );
    expect(r.data).toEqual({ applyLabelSpecs: { labels: { created: 2, updated: 0 } } });
    const one = await gql(
      '{ label(name: "gl-dynamic") { id name description query platform labelType labelMembershipType hostnames createdAt updatedAt } }',
      {},
      observer,
    );
    expect(one.data.label).toEqual({
      id: expect.any(String),
      name: 'gl-dynamic',
      description: 'dyn',
      query: 'SELECT 1 FROM os_version',
      platform: 'darwin',
      labelType: 'regular',
      labelMembershipType: 'dynamic',
      hostnames: [],
      createdAt: DATE,
      updatedAt: DATE,
    });
    const all = (await gql('{ labels { name labelType labelMembershipType } }', {}, observer)).data.labels;
    expect(all).toEqual(
      expect.arrayContaining([
        { name: 'All Hosts', labelType: 'builtin', labelMembershipType: 'dynamic' },
        { name: 'gl-manual', labelType: 'regular', labelMembershipType: 'manual' },
      ]),
    );
  });

  it('should answer NOT_FOUND for an unknown name', async () => {
    const r = await gql('{ label(name: "nope") { name } }', {}, admin);
    expect({ code: codeOf(r), message: r.errors?.[0]?.message }).toEqual({ code: 'NOT_FOUND', message: 'Label nope was not found in the datastore' });
  });

  it('should answer VALIDATION_FAILED with the same invalid list as REST, and write nothing', async () => {
    const cases = [
      { gql: [{ name: 'gl-x', query: 'SELECT 1' }, { name: 'macOS', query: 'SELECT 2' }], rest: [{ name: 'gl-x', query: 'SELECT 1' }, { name: 'macOS', query: 'SELECT 2' }] },
      { gql: [{ name: 'gl-x', hosts: ['a'] }], rest: [{ name: 'gl-x', hosts: ['a'] }] },
      { gql: [{ name: 'gl-x', labelMembershipType: 'manual' }], rest: [{ name: 'gl-x', label_membership_type: 'manual' }] },
      { gql: [{ name: 'gl-x' }, { name: '' }], rest: [{ name: 'gl-x' }, { name: '' }] },
    ];
    for (const c of cases) {
      const got = await gql(APPLY, { specs: c.gql }, admin);
      expect(codeOf(got)).toBe('VALIDATION_FAILED');
      expect(invalidOf(got)).toEqual(await restErrors('POST', '/api/v1/fleet/spec/labels', { specs: c.rest }));
    }
    expect(invalidOf(await gql(APPLY, { specs: cases[0]!.gql }, admin))).toEqual([{ name: 'base', reason: "cannot modify built-in label 'macOS'" }]);
    expect(codeOf(await gql('{ label(name: "gl-x") { name } }', {}, admin))).toBe('NOT_FOUND');
  });

  it('should answer FORBIDDEN to an observer, and write nothing', async () => {
    expect(codeOf(await gql(APPLY, { specs: [{ name: 'gl-observer' }] }, observer))).toBe('FORBIDDEN');
    expect(codeOf(await gql('{ label(name: "gl-observer") { name } }', {}, admin))).toBe('NOT_FOUND');
  });
});

describe('packs', () => {
  const APPLY = 'mutation ($specs: [PackSpecInput!]!) { applyPackSpecs(specs: $specs) { packs { created updated } } }';

  beforeAll(async () => {
    await gql('mutation { applyQuerySpecs(specs: [{name: "gp-q", query: "SELECT 1"}]) { queries { created } } }', {}, admin);
    await gql('mutation { applyLabelSpecs(specs: [{name: "gp-label", query: "SELECT 1"}]) { labels { created } } }', {}, admin);
    await gql('mutation { applyTeamSpecs(specs: [{name: "gp-team"}]) { teams { created } } }', {}, admin);
  });

  it('should create a pack and read its scheduled queries and targets as objects', async () => {
    const spec = {
      name: 'gp-pack',
      description: 'd',
      platform: 'linux',
      targets: { labels: ['gp-label'], teams: ['gp-team'] },
      queries: [{ query: 'gp-q', name: 'every-minute', interval: 60, snapshot: true, shard: 10 }, { query: 'gp-q', interval: 3600 }],
    };
    expect((await gql(APPLY, { specs: [spec] }, admin)).data).toEqual({ applyPackSpecs: { packs: { created: 1, updated: 0 } } });
    const r = await gql(
      `{ pack(name: "gp-pack") {
          id name description platform disabled createdAt updatedAt
          scheduledQueries { id name interval snapshot removed shard platform version denylist description savedQuery { name query } }
          targetLabels { name } targetTeams { name }
      } }`,
      {},
      admin,
    );
    expect(r.data.pack).toEqual({
      id: expect.any(String),
      name: 'gp-pack',
      description: 'd',
      platform: 'linux',
      disabled: false,
      createdAt: DATE,
      updatedAt: DATE,
      scheduledQueries: [
        {
          id: expect.any(String),
          name: 'every-minute',
          interval: 60,
          snapshot: true,
          removed: null,
          shard: 10,
          platform: null,
          version: null,
          denylist: null,
          description: '',
          savedQuery: { name: 'gp-q', query: 'SELECT 1' },
        },
        {
          id: expect.any(String),
          name: 'gp-q',
          interval: 3600,
          snapshot: null,
          removed: null,
          shard: null,
          platform: null,
          version: null,
          denylist: null,
          description: '',
          savedQuery: { name: 'gp-q', query: 'SELECT 1' },
        },
      ],
      targetLabels: [{ name: 'gp-label' }],
      targetTeams: [{ name: 'gp-team' }],
    });
    const list = await gql('{ packs { name scheduledQueries { savedQuery { name } } targetLabels { name } } }', {}, maintainer);
    expect(list.data.packs).toContainEqual({
      name: 'gp-pack',
      scheduledQueries: [{ savedQuery: { name: 'gp-q' } }, { savedQuery: { name: 'gp-q' } }],
      targetLabels: [{ name: 'gp-label' }],
    });
  });

  it('should answer NOT_FOUND for an unknown name', async () => {
    const r = await gql('{ pack(name: "nope") { name } }', {}, admin);
    expect({ code: codeOf(r), message: r.errors?.[0]?.message }).toEqual({ code: 'NOT_FOUND', message: 'Pack nope was not found in the datastore' });
  });

  it('should answer VALIDATION_FAILED with the same invalid list as REST, and write nothing', async () => {
    const specs = [
      { name: 'gp-bad', queries: [{ query: 'no-such-query', interval: 60 }], targets: { labels: ['no-such-label'], teams: ['no-such-team'] } },
      { name: '' },
    ];
    const got = await gql(APPLY, { specs }, admin);
    expect(codeOf(got)).toBe('VALIDATION_FAILED');
    expect(invalidOf(got)).toEqual([
      { name: 'queries', reason: "cannot schedule unknown query 'no-such-query'" },
      { name: 'targets', reason: "unknown label 'no-such-label'" },
      { name: 'targets', reason: "unknown team 'no-such-team'" },
      { name: 'name', reason: 'pack name must not be empty' },
    ]);
    expect(invalidOf(got)).toEqual(await restErrors('POST', '/api/v1/fleet/spec/packs', { specs }));
    expect(codeOf(await gql('{ pack(name: "gp-bad") { name } }', {}, admin))).toBe('NOT_FOUND');
  });

  it('should answer FORBIDDEN to an observer, for reads and writes', async () => {
    expect(codeOf(await gql('{ packs { name } }', {}, observer))).toBe('FORBIDDEN');
    expect(codeOf(await gql(APPLY, { specs: [{ name: 'gp-observer' }] }, observer))).toBe('FORBIDDEN');
    expect(codeOf(await gql('{ pack(name: "gp-observer") { name } }', {}, admin))).toBe('NOT_FOUND');
  });
});

describe('teams', () => {
  const APPLY = `mutation ($specs: [TeamSpecInput!]!, $dryRun: Boolean, $force: Boolean) {
    applyTeamSpecs(specs: $specs, dryRun: $dryRun, force: $force) { teams { created updated } }
  }`;

  it('should create a team with secrets and agent options, then read it through teams and team', async () => {
    const agentOptions = { config: { options: { distributed_interval: 5 } } };
    const r = await gql(APPLY, { specs: [{ name: 'gt-team', agentOptions, secrets: [{ secret: 'gt-secret' }] }] }, admin);
    expect(r.data).toEqual({ applyTeamSpecs: { teams: { created: 1, updated: 0 } } });
    const one = await gql('{ team(name: "gt-team") { id name description agentOptions createdAt enrollSecrets { secret team { name } } } }', {}, admin);
    expect(one.data.team).toEqual({
      id: expect.any(String),
      name: 'gt-team',
      description: '',
      agentOptions,
      createdAt: DATE,
      enrollSecrets: [{ secret: 'gt-secret', team: { name: 'gt-team' } }],
    });
    const again = await gql(APPLY, { specs: [{ name: 'gt-team', agentOptions: null }] }, admin);
    expect(again.data.applyTeamSpecs.teams).toEqual({ created: 0, updated: 1 });
    expect((await gql('{ team(name: "gt-team") { agentOptions } }', {}, admin)).data.team.agentOptions).toBeNull();
    expect((await gql('{ teams { name } }', {}, admin)).data.teams).toContainEqual({ name: 'gt-team' });
  });

  it('should validate without writing on a dry run', async () => {
    const r = await gql(APPLY, { specs: [{ name: 'gt-dry' }], dryRun: true }, admin);
    expect(r.data).toEqual({ applyTeamSpecs: { teams: null } });
    expect(codeOf(await gql('{ team(name: "gt-dry") { name } }', {}, admin))).toBe('NOT_FOUND');
  });

  it('should answer BAD_REQUEST for invalid agent options unless forced, and write nothing', async () => {
    const specs = [{ name: 'gt-bad-options', agentOptions: { nope: 1 } }];
    const r = await gql(APPLY, { specs }, admin);
    expect({ code: codeOf(r), message: r.errors?.[0]?.message }).toEqual({ code: 'BAD_REQUEST', message: 'unsupported key provided: "nope"' });
    expect(await restErrors('POST', '/api/v1/fleet/spec/teams', { specs: [{ name: 'gt-bad-options', agent_options: { nope: 1 } }] })).toEqual([
      { name: 'base', reason: 'unsupported key provided: "nope"' },
    ]);
    expect(codeOf(await gql('{ team(name: "gt-bad-options") { name } }', {}, admin))).toBe('NOT_FOUND');
    expect((await gql(APPLY, { specs, force: true }, admin)).data.applyTeamSpecs.teams).toEqual({ created: 1, updated: 0 });
  });

  it('should answer VALIDATION_FAILED with the same invalid list as REST, and write nothing', async () => {
    const cases = [
      { gql: [{ name: 'gt-ok' }, { name: ' ' }], rest: [{ name: 'gt-ok' }, { name: ' ' }] },
      { gql: [{ name: 'gt-ok', secrets: [{ secret: '' }] }], rest: [{ name: 'gt-ok', secrets: [{ secret: '' }] }] },
      { gql: [{ name: 'gt-ok', secrets: [{ secret: 'gt-secret' }] }], rest: [{ name: 'gt-ok', secrets: [{ secret: 'gt-secret' }] }] },
    ];
    for (const c of cases) {
      const got = await gql(APPLY, { specs: c.gql }, admin);
      expect(codeOf(got)).toBe('VALIDATION_FAILED');
      expect(invalidOf(got)).toEqual(await restErrors('POST', '/api/v1/fleet/spec/teams', { specs: c.rest }));
    }
    expect(codeOf(await gql('{ team(name: "gt-ok") { name } }', {}, admin))).toBe('NOT_FOUND');
  });

  it('should answer NOT_FOUND for an unknown team and FORBIDDEN to an observer creating one', async () => {
    expect(codeOf(await gql('{ team(name: "nope") { name } }', {}, admin))).toBe('NOT_FOUND');
    expect(codeOf(await gql(APPLY, { specs: [{ name: 'gt-observer' }] }, observer))).toBe('FORBIDDEN');
    expect(codeOf(await gql('{ team(name: "gt-observer") { name } }', {}, admin))).toBe('NOT_FOUND');
  });

  it('should answer PAYMENT_REQUIRED on a free license, for reads and writes', async () => {
    const g = gqlClient(free.url);
    for (const query of ['{ teams { name } }', '{ team(name: "any") { name } }', 'mutation { applyTeamSpecs(specs: [{name: "x"}]) { teams { created } } }']) {
      const r = await g(query, {}, free.adminToken);
      expect({ code: codeOf(r), message: r.errors?.[0]?.message }).toEqual({ code: 'PAYMENT_REQUIRED', message: 'Requires Fleet Premium license' });
    }
  });
});

describe('policies', () => {
  const APPLY = 'mutation ($specs: [PolicySpecInput!]!) { applyPolicySpecs(specs: $specs) { policies { created updated } } }';
  let teamId: string;

  beforeAll(async () => {
    await gql('mutation { applyTeamSpecs(specs: [{name: "gpol-team"}]) { teams { created } } }', {}, admin);
    teamId = (await gql('{ team(name: "gpol-team") { id } }', {}, admin)).data.team.id;
  });

  it('should create global and team policies and list each scope', async () => {
    const r = await gql(
      APPLY,
      {
        specs: [
          { name: 'gpol-global', query: 'SELECT 1', description: 'd', resolution: 'fix it', platform: 'darwin, linux' },
          { name: 'gpol-team-policy', query: 'SELECT 2', team: 'gpol-team' },
        ],
      },
      admin,
    );
    expect(r.data).toEqual({ applyPolicySpecs: { policies: { created: 2, updated: 0 } } });
    const global = await gql('{ policies { id name query description resolution platform team { name } createdAt updatedAt } }', {}, admin);
    expect(global.data.policies).toContainEqual({
      id: expect.any(String),
      name: 'gpol-global',
      query: 'SELECT 1',
      description: 'd',
      resolution: 'fix it',
      platform: 'darwin,linux',
      team: null,
      createdAt: DATE,
      updatedAt: DATE,
    });
    expect(global.data.policies.map((p: { name: string }) => p.name)).not.toContain('gpol-team-policy');
    const team = await gql('query ($id: ID) { policies(teamId: $id) { name team { name } } }', { id: teamId }, admin);
    expect(team.data.policies).toEqual([{ name: 'gpol-team-policy', team: { name: 'gpol-team' } }]);
  });

  it('should answer BAD_REQUEST with REST’s reason for an invalid platform, and write nothing', async () => {
    const specs = [{ name: 'gpol-ok', query: 'SELECT 1' }, { name: 'gpol-bad', query: 'SELECT 1', platform: 'amiga' }];
    const r = await gql(APPLY, { specs }, admin);
    expect({ code: codeOf(r), message: r.errors?.[0]?.message }).toEqual({
      code: 'BAD_REQUEST',
      message: 'policy spec payload verification: invalid policy platform',
    });
    expect(await restErrors('POST', '/api/v1/fleet/spec/policies', { specs })).toEqual([{ name: 'base', reason: r.errors?.[0]?.message }]);
    const names = (await gql('{ policies { name } }', {}, admin)).data.policies.map((p: { name: string }) => p.name);
    expect(names).not.toContain('gpol-ok');
  });

  it('should answer NOT_FOUND for an unknown team, and write nothing', async () => {
    const r = await gql(APPLY, { specs: [{ name: 'gpol-ghost', query: 'SELECT 1' }, { name: 'gpol-ghost-team', query: 'SELECT 1', team: 'no-such-team' }] }, admin);
    expect({ code: codeOf(r), message: r.errors?.[0]?.message }).toEqual({ code: 'NOT_FOUND', message: 'Team no-such-team was not found in the datastore' });
    const names = (await gql('{ policies { name } }', {}, admin)).data.policies.map((p: { name: string }) => p.name);
    expect(names).not.toContain('gpol-ghost');
  });

  it('should answer FORBIDDEN to an observer writing, while letting it read', async () => {
    expect(codeOf(await gql(APPLY, { specs: [{ name: 'gpol-observer', query: 'SELECT 1' }] }, observer))).toBe('FORBIDDEN');
    const names = (await gql('{ policies { name } }', {}, observer)).data.policies.map((p: { name: string }) => p.name);
    expect(names).toContain('gpol-global');
    expect(names).not.toContain('gpol-observer');
  });

  it('should answer PAYMENT_REQUIRED for team policies on a free license, but serve global ones', async () => {
    const g = gqlClient(free.url);
    expect(codeOf(await g('{ policies(teamId: "1") { name } }', {}, free.adminToken))).toBe('PAYMENT_REQUIRED');
    const write = await g(APPLY, { specs: [{ name: 'p', query: 'SELECT 1', team: 'any' }] }, free.adminToken);
    expect(codeOf(write)).toBe('PAYMENT_REQUIRED');
    expect((await g(APPLY, { specs: [{ name: 'p', query: 'SELECT 1' }] }, free.adminToken)).data).toEqual({
      applyPolicySpecs: { policies: { created: 1, updated: 0 } },
    });
  });
});

describe('enroll secrets', () => {
  const APPLY = 'mutation ($secrets: [String!]!) { applyEnrollSecretSpec(secrets: $secrets) { enrollSecrets { created updated } } }';
  const LIST = '{ enrollSecrets { secret createdAt team { name } } }';

  it('should replace the global secrets', async () => {
    expect((await gql(APPLY, { secrets: ['ge-1', 'ge-2'] }, admin)).data.applyEnrollSecretSpec.enrollSecrets).not.toBeNull();
    expect((await gql(LIST, {}, admin)).data.enrollSecrets).toEqual([
      { secret: 'ge-1', createdAt: DATE, team: null },
      { secret: 'ge-2', createdAt: DATE, team: null },
    ]);
    await gql(APPLY, { secrets: ['ge-2'] }, maintainer);
    expect((await gql(LIST, {}, maintainer)).data.enrollSecrets.map((s: { secret: string }) => s.secret)).toEqual(['ge-2']);
  });

  it('should answer VALIDATION_FAILED with the same invalid list as REST, and write nothing', async () => {
    const cases = [['ge-3', ''], Array.from({ length: 51 }, (_, i) => `ge-many-${i}`)];
    for (const secrets of cases) {
      const got = await gql(APPLY, { secrets }, admin);
      expect(codeOf(got)).toBe('VALIDATION_FAILED');
      expect(invalidOf(got)).toEqual(await restErrors('POST', '/api/v1/fleet/spec/enroll_secret', { spec: { secrets: secrets.map((secret) => ({ secret })) } }));
    }
    expect((await gql(LIST, {}, admin)).data.enrollSecrets.map((s: { secret: string }) => s.secret)).toEqual(['ge-2']);
  });

  it('should answer FORBIDDEN to an observer, for reads and writes', async () => {
    expect(codeOf(await gql(LIST, {}, observer))).toBe('FORBIDDEN');
    expect(codeOf(await gql(APPLY, { secrets: ['ge-observer'] }, observer))).toBe('FORBIDDEN');
    expect((await gql(LIST, {}, admin)).data.enrollSecrets.map((s: { secret: string }) => s.secret)).toEqual(['ge-2']);
  });
});

describe('config', () => {
  const CONFIG = '{ config { orgInfo { orgName orgLogoUrl } serverSettings { serverUrl liveQueryDisabled } fleetDesktop { transparencyUrl } license { tier } agentOptions } }';
  const MODIFY = 'mutation ($input: ModifyConfigInput!) { modifyConfig(input: $input) { orgInfo { orgName orgLogoUrl } serverSettings { serverUrl liveQueryDisabled } } }';

  it('should let every role read the config', async () => {
    const r = await gql(CONFIG, {}, observer);
    expect(r.data.config).toEqual({
      orgInfo: { orgName: 'Acme', orgLogoUrl: '' },
      serverSettings: { serverUrl: 'https://fleet.example.com', liveQueryDisabled: false },
      fleetDesktop: { transparencyUrl: '' },
      license: { tier: 'premium' },
      agentOptions: expect.objectContaining({ config: expect.any(Object) }),
    });
    expect((await gqlClient(free.url)(CONFIG, {}, free.adminToken)).data.config.license).toEqual({ tier: 'free' });
    expect(codeOf(await gql(CONFIG))).toBe('UNAUTHENTICATED');
  });

  it('should patch only the given fields', async () => {
    const r = await gql(MODIFY, { input: { orgLogoUrl: 'https://logo.example.com/l.png', liveQueryDisabled: true } }, admin);
    expect(r.data.modifyConfig).toEqual({
      orgInfo: { orgName: 'Acme', orgLogoUrl: 'https://logo.example.com/l.png' },
      serverSettings: { serverUrl: 'https://fleet.example.com', liveQueryDisabled: true },
    });
    const viaRest = await rest('GET', '/api/v1/fleet/config', { token: admin });
    expect(viaRest.body.org_info.org_logo_url).toBe('https://logo.example.com/l.png');
    await gql(MODIFY, { input: { liveQueryDisabled: false } }, admin);
  });

  it('should answer VALIDATION_FAILED with the same invalid list as REST, and change nothing', async () => {
    const cases = [
      { gql: { serverUrl: 'not a url' }, rest: { server_settings: { server_url: 'not a url' } } },
      { gql: { orgName: ' ' }, rest: { org_info: { org_name: ' ' } } },
    ];
    for (const c of cases) {
      const got = await gql(MODIFY, { input: c.gql }, admin);
      expect(codeOf(got)).toBe('VALIDATION_FAILED');
      expect(invalidOf(got)).toEqual(await restErrors('PATCH', '/api/v1/fleet/config', c.rest));
    }
    const g = gqlClient(free.url);
    const premiumOnly = await g(MODIFY, { input: { transparencyUrl: 'https://t.example.com' } }, free.adminToken);
    expect(invalidOf(premiumOnly)).toEqual([{ name: 'transparency_url', reason: 'transparency_url can only be set with Fleet Premium' }]);
    expect((await gql(CONFIG, {}, admin)).data.config.serverSettings.serverUrl).toBe('https://fleet.example.com');
  });

  it('should answer BAD_REQUEST for invalid agent options, and change nothing', async () => {
    const before = (await gql(CONFIG, {}, admin)).data.config.agentOptions;
    const r = await gql(MODIFY, { input: { agentOptions: { config: { nope: {} } } } }, admin);
    expect(codeOf(r)).toBe('BAD_REQUEST');
    expect((await gql(CONFIG, {}, admin)).data.config.agentOptions).toEqual(before);
  });

  it('should answer FORBIDDEN to a maintainer and an observer, and change nothing', async () => {
    for (const token of [maintainer, observer]) {
      expect(codeOf(await gql(MODIFY, { input: { orgName: 'Hijacked' } }, token))).toBe('FORBIDDEN');
    }
    expect((await gql(CONFIG, {}, admin)).data.config.orgInfo.orgName).toBe('Acme');
  });
});

describe('the GraphQL endpoint', () => {
  /** `teams { enrollSecrets { team { … name } } }`: each level of nesting adds two to the depth. */
  const nested = (levels: number) => {
    let selection = 'name';
    for (let i = 0; i < levels; i++) selection = `enrollSecrets { team { ${selection} } }`;
    return `{ teams { ${selection} } }`;
  };

  it('should serve GraphiQL to a browser', async () => {
    const res = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/graphiql/i);
    expect(html).toContain('<title>fleetgraph</title>');
  });

  it('should accept a query 10 levels deep and reject one deeper', async () => {
    expect((await gql(nested(4), {}, admin)).errors).toBeUndefined();
    const r = await gql(nested(5), {}, admin);
    expect(r.data).toBeUndefined();
    expect(r.errors?.map((e) => e.message)).toEqual(['Syntax Error: Query depth limit of 10 exceeded, found 12.']);
  });

  it('should measure depth through fragments as if they were inlined', async () => {
    /** The same shape as `nested(levels)`, one named fragment per level. */
    const viaFragments = (levels: number) => {
      const defs = Array.from({ length: levels }, (_, i) =>
        `fragment L${i} on Team { enrollSecrets { team { ${i === levels - 1 ? 'name' : `...L${i + 1}`} } } }`,
      );
      return `${defs.join('\n')}\n{ teams { ...L0 } }`;
    };
    const ok = await gql(viaFragments(4), {}, admin);
    expect({ errors: ok.errors, teams: Array.isArray(ok.data?.teams) }).toEqual({ errors: undefined, teams: true });
    const r = await gql(viaFragments(5), {}, admin);
    expect(r.data).toBeUndefined();
    expect(r.errors?.map((e) => e.message)).toEqual(['Syntax Error: Query depth limit of 10 exceeded, found 12.']);
  });

  it('should reject a deep query that reaches its depth through aliased pack targets', async () => {
    const query = `{ a: packs { b: targetTeams { c: enrollSecrets { d: team { e: enrollSecrets { f: team {
      g: enrollSecrets { h: team { i: enrollSecrets { j: team { k: enrollSecrets { secret } } } } } } } } } } } }`;
    const r = await gql(query, {}, admin);
    expect(r.data).toBeUndefined();
    expect(r.errors?.[0]?.message).toMatch(/depth limit of 10 exceeded/);
  });

  it('should accept 15 aliases and reject 16', async () => {
    const aliased = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
    expect(Object.keys((await gql(aliased(15), {}, admin)).data)).toHaveLength(15);
    const r = await gql(aliased(16), {}, admin);
    expect(r.data).toBeUndefined();
    expect(r.errors?.[0]?.message).toMatch(/Aliases limit of 15 exceeded/);
  });

  it('should report schema errors with GRAPHQL_VALIDATION_FAILED', async () => {
    const r = await gql('{ nope }', {}, admin);
    expect(codeOf(r)).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('should locate an error far down and far right in a document without building a source that size', async () => {
    // 20,000 lines down and 20,000 columns in: a source of lines × columns would be 400 MB.
    const far = `{${'\n'.repeat(19_999)}${' '.repeat(19_999)}savedQueries { name } }`;
    const r = await gqlClient(t.url)(far, {}, undefined);
    expect(r.status).toBe(200);
    expect(r.errors).toEqual([
      expect.objectContaining({ path: ['savedQueries'], locations: [{ line: 20_000, column: 20_000 }], extensions: { code: 'UNAUTHENTICATED' } }),
    ]);
  });

  it('should mask unexpected errors, keeping the path but not the cause', async () => {
    const broken = await startApp();
    const db = new Database(broken.dbPath);
    try {
      db.exec('DROP TABLE policies');
    } finally {
      db.close();
    }
    const r = await gqlClient(broken.url)('{ policies { name } }', {}, broken.adminToken);
    expect(r).toEqual({
      status: 200,
      data: null,
      errors: [{ message: 'Unexpected error.', locations: [{ line: 1, column: 3 }], path: ['policies'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
    expect(JSON.stringify(r)).not.toMatch(/no such table|sqlite/i);
  });
});
