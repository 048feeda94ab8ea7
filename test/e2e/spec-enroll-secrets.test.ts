import { beforeAll, describe, expect, it } from 'vitest';
import { errorOf, gqlClient, restClient, userToken } from '../helpers/clients.js';
import { startApp, type TestApp } from '../helpers/harness.js';

let t: TestApp;
let rest: ReturnType<typeof restClient>;
let gql: ReturnType<typeof gqlClient>;
let maintainer: string;
let observer: string;
let gitops: string;
let teamAdmin: string;

const PATH = '/api/v1/fleet/spec/enroll_secret';
const FORBIDDEN = { status: 403, message: 'forbidden', errors: [{ name: 'base', reason: 'forbidden' }] };
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

const post = (secrets: unknown, token = t.adminToken) => rest('POST', PATH, { token, body: { spec: { secrets } } });
const put = (...secrets: string[]) => post(secrets.map((secret) => ({ secret })));
const get = async (token = t.adminToken) => (await rest('GET', PATH, { token })).body;
const stored = async () => ((await get()).spec.secrets as { secret: string }[] | null)?.map((s) => s.secret).sort() ?? null;

/** Creation times with milliseconds, as GraphQL serializes them. */
async function createdAtByGraphQL(): Promise<Map<string, string>> {
  const r = await gql('{ enrollSecrets { secret createdAt } }', {}, t.adminToken);
  expect(r.errors).toBeUndefined();
  return new Map((r.data.enrollSecrets as { secret: string; createdAt: string }[]).map((s) => [s.secret, s.createdAt]));
}

beforeAll(async () => {
  t = await startApp();
  rest = restClient(t.url);
  gql = gqlClient(t.url);
  const teams = await rest('POST', '/api/v1/fleet/spec/teams', {
    token: t.adminToken,
    body: { specs: [{ name: 'T1', secrets: [{ secret: 'team-owned' }] }] },
  });
  expect(teams.status).toBe(200);
  const list = await gql('{ teams { id name } }', {}, t.adminToken);
  const t1 = Number((list.data.teams as { id: string }[])[0]!.id);
  maintainer = await userToken(t, 'maint@example.com', { global_role: 'maintainer' });
  observer = await userToken(t, 'obs@example.com', { global_role: 'observer' });
  gitops = await userToken(t, 'gitops@example.com', { global_role: 'gitops' });
  teamAdmin = await userToken(t, 't1-admin@example.com', { teams: [{ id: t1, role: 'admin' }] });
});

describe('GET and POST /spec/enroll_secret', () => {
  it('should answer "secrets": null before any secret is set', async () => {
    const r = await rest('GET', PATH, { token: t.adminToken });
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: { spec: { secrets: null } } });
  });

  it('should store a secret and read it back with an RFC3339 created_at and no team_id', async () => {
    const r = await put('abc');
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
    const got = await rest('GET', PATH, { token: t.adminToken });
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ spec: { secrets: [{ secret: 'abc', created_at: expect.stringMatching(RFC3339) }] } });
    expect(Math.abs(Date.parse(got.body.spec.secrets[0].created_at) - Date.now())).toBeLessThan(60_000);
  });

  it('should list only the global secrets, not those of teams', async () => {
    expect(await stored()).toEqual(['abc']);
  });

  it('should replace the whole list, a kept secret keeping its created_at', async () => {
    await put('keep', 'drop');
    const before = await createdAtByGraphQL();
    expect(before.get('keep')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // Creating a user hashes a password: time passes without sleeping.
    await userToken(t, 'filler@example.com', { global_role: 'observer' });
    expect((await put('keep', 'fresh')).status).toBe(200);
    expect(await stored()).toEqual(['fresh', 'keep']);
    const after = await createdAtByGraphQL();
    expect(after.get('keep')).toBe(before.get('keep'));
    expect(Date.parse(after.get('fresh')!)).toBeGreaterThan(Date.parse(before.get('keep')!));
  });

  it('should store a secret listed twice once', async () => {
    expect((await put('twice', 'twice')).status).toBe(200);
    expect(await stored()).toEqual(['twice']);
  });

  it.each([[[]], [null]])('should remove every global secret for %j and answer "secrets": null', async (secrets) => {
    await put('to-remove');
    expect((await post(secrets)).status).toBe(200);
    expect(await get()).toEqual({ spec: { secrets: null } });
  });

  it('should work under every API version', async () => {
    for (const v of ['v1', '2022-04', 'latest']) {
      const r = await rest('POST', `/api/${v}/fleet/spec/enroll_secret`, { token: t.adminToken, body: { spec: { secrets: [{ secret: v }] } } });
      expect(r.status).toBe(200);
      expect((await rest('GET', `/api/${v}/fleet/spec/enroll_secret`, { token: t.adminToken })).body.spec.secrets[0].secret).toBe(v);
    }
  });
});

describe('enroll secret validation', () => {
  it('should refuse 51 secrets with 422 and keep the current ones', async () => {
    await put('current');
    const r = await post(Array.from({ length: 51 }, (_, i) => ({ secret: `s${i}` })));
    expect(r.status).toBe(422);
    expect({ ...r.body, uuid: undefined }).toEqual({
      message: 'Validation Failed',
      errors: [{ name: 'secrets', reason: 'too many secrets' }],
      uuid: undefined,
    });
    expect(typeof r.body.uuid).toBe('string');
    expect(await stored()).toEqual(['current']);
  });

  it('should accept exactly 50 secrets', async () => {
    expect((await post(Array.from({ length: 50 }, (_, i) => ({ secret: `s${i}` })))).status).toBe(200);
    expect((await stored())?.length).toBe(50);
  });

  it.each(['', '   '])('should refuse the empty secret %j with 422 and keep the current ones', async (secret) => {
    await put('current');
    expect(errorOf(await put('new-one', secret))).toEqual({
      status: 422,
      message: 'Validation Failed',
      errors: [{ name: 'secrets', reason: 'enroll secret must not be empty' }],
    });
    expect(await stored()).toEqual(['current']);
  });

  it('should refuse a secret a team uses with 422 and write nothing', async () => {
    await put('current');
    expect(errorOf(await put('new-one', 'team-owned'))).toEqual({
      status: 422,
      message: 'Validation Failed',
      errors: [{ name: 'secrets', reason: 'one or more enroll secrets are already in use by another team' }],
    });
    expect(await stored()).toEqual(['current']);
    const teams = await gql('{ teams { enrollSecrets { secret } } }', {}, t.adminToken);
    expect(teams.data.teams).toEqual([{ enrollSecrets: [{ secret: 'team-owned' }] }]);
  });

  it('should answer 400 "json decoder error" for malformed specs and write nothing', async () => {
    await put('current');
    for (const raw of ['{}', 'null', '{"spec":{"secrets":[{"secret":1}]}}', '{"spec":{"secrets":["abc"]}}', '{"spec":[]}']) {
      expect(errorOf(await rest('POST', PATH, { token: t.adminToken, raw }))).toEqual({
        status: 400,
        message: 'Bad request',
        errors: [{ name: 'base', reason: 'json decoder error' }],
      });
    }
    expect(await stored()).toEqual(['current']);
  });
});

describe('roles for /spec/enroll_secret', () => {
  it('should let a global maintainer read and replace the secrets', async () => {
    expect((await post([{ secret: 'by-maintainer' }], maintainer)).status).toBe(200);
    const r = await rest('GET', PATH, { token: maintainer });
    expect(r.status).toBe(200);
    expect(r.body.spec.secrets.map((s: { secret: string }) => s.secret)).toEqual(['by-maintainer']);
  });

  it('should let a gitops user replace the secrets but not read them', async () => {
    expect((await post([{ secret: 'by-gitops' }], gitops)).status).toBe(200);
    expect(errorOf(await rest('GET', PATH, { token: gitops }))).toEqual(FORBIDDEN);
    expect(await stored()).toEqual(['by-gitops']);
  });

  it.each([
    ['global observer', () => observer],
    ['team admin', () => teamAdmin],
  ])('should refuse a %s reading or writing with 403 and write nothing', async (_role, token) => {
    await put('current');
    expect(errorOf(await rest('GET', PATH, { token: token() }))).toEqual(FORBIDDEN);
    expect(errorOf(await post([{ secret: 'by-intruder' }], token()))).toEqual(FORBIDDEN);
    expect(await stored()).toEqual(['current']);
  });

  it('should answer 401 without a token', async () => {
    expect(errorOf(await rest('GET', PATH))).toEqual({
      status: 401,
      message: 'Authorization header required',
      errors: [{ name: 'base', reason: 'Authorization header required' }],
    });
  });
});
