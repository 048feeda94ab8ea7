import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorOf, gqlClient, restClient, userToken, type Reply } from '../helpers/clients.js';
import { ADMIN, PASSWORD, startApp, type TestApp } from '../helpers/harness.js';

let t: TestApp;
let rest: ReturnType<typeof restClient>;
let maintainer: string;
let observer: string;
let teamA: number;
let teamB: number;

const POLICY_REASON = 'Password must be 12 to 48 characters long and include at least one number and one symbol';
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
const SETUP = { admin: ADMIN, org_info: { org_name: 'Acme' }, server_url: 'https://fleet.example.com' };

const base = (reason: string) => [{ name: 'base', reason }];
const invalid = (status: number, message: string, errors: { name: string; reason: string }[]) => ({ status, message, errors });

/** A Fleet user as /me, /login and /users render it. */
const userBody = (fields: Record<string, unknown>) => ({
  created_at: ISO,
  updated_at: ISO,
  id: expect.any(Number),
  force_password_reset: false,
  gravatar_url: '',
  sso_enabled: false,
  global_role: null,
  api_only: false,
  teams: [],
  ...fields,
});

async function teamId(app: TestApp, name: string): Promise<number> {
  const r = await restClient(app.url)('POST', '/api/v1/fleet/spec/teams', { token: app.adminToken, body: { specs: [{ name }] } });
  if (r.status !== 200) throw new Error(`creating team ${name}: ${r.status}`);
  const got = await gqlClient(app.url)('query ($n: String!) { team(name: $n) { id } }', { n: name }, app.adminToken);
  return Number(got.data.team.id);
}

/** POST /login from a chosen loopback address, so per-address and per-email limits can be told apart. */
function loginFrom(app: TestApp, localAddress: string, body: { email: string; password: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const u = new URL(`${app.url}/api/v1/fleet/login`);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', localAddress }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers });
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function expectRateLimited(r: Reply) {
  expect(r.status).toBe(429);
  const retryAfter = Number(r.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
  expect(errorOf(r)).toEqual(invalid(429, 'Too Many Requests', base(`too many attempts, retry in ${retryAfter} seconds`)));
}

beforeAll(async () => {
  t = await startApp();
  rest = restClient(t.url);
  maintainer = await userToken(t, 'maintainer@example.com', { global_role: 'maintainer' });
  observer = await userToken(t, 'observer@example.com', { global_role: 'observer' });
  teamA = await teamId(t, 'Team A');
  teamB = await teamId(t, 'Team B');
});

describe('POST /api/v1/setup', () => {
  it('should create the first admin and answer its token, the admin, the org info and the server URL', async () => {
    const fresh = await startApp({}, { setup: false });
    const r = await restClient(fresh.url)('POST', '/api/v1/setup', { body: SETUP });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      admin: userBody({ id: 1, name: ADMIN.name, email: ADMIN.email, global_role: 'admin' }),
      org_info: { org_name: 'Acme', org_logo_url: '' },
      server_url: 'https://fleet.example.com',
      token: expect.stringMatching(/^[\w-]{43}$/),
    });
    const me = await restClient(fresh.url)('GET', '/api/v1/fleet/me', { token: r.body.token });
    expect(me.body.user.email).toBe(ADMIN.email);
  });

  it('should answer the same under the unversioned /api/setup alias', async () => {
    const fresh = await startApp({}, { setup: false });
    const r = await restClient(fresh.url)('POST', '/api/setup', { body: SETUP });
    expect(r.status).toBe(200);
    expect(r.body.admin.global_role).toBe('admin');
  });

  it('should refuse a second setup with 409 and Fleet’s error body, on both paths', async () => {
    for (const path of ['/api/v1/setup', '/api/setup']) {
      const r = await rest('POST', path, { body: { ...SETUP, admin: { name: 'Eve', email: 'eve@example.com', password: PASSWORD } } });
      expect(errorOf(r)).toEqual(invalid(409, 'Resource Already Exists', base('setup has already been completed')));
    }
    const users = await rest('GET', '/api/v1/fleet/users', { token: t.adminToken });
    expect((users.body.users as { email: string }[]).map((u) => u.email)).not.toContain('eve@example.com');
  });

  it('should refuse passwords outside Fleet’s policy with 422 naming "password", and create nothing', async () => {
    const fresh = await startApp({}, { setup: false });
    const r = restClient(fresh.url);
    for (const password of ['short-1!', 'no-digits-at-all!', 'nosymbols1234567', `${'a'.repeat(47)}1!`, '']) {
      const got = await r('POST', '/api/v1/setup', { body: { ...SETUP, admin: { ...ADMIN, password } } });
      expect(errorOf(got)).toEqual(invalid(422, 'Validation Failed', [{ name: 'password', reason: POLICY_REASON }]));
    }
    expect((await r('POST', '/api/v1/setup', { body: SETUP })).status).toBe(200);
  });

  it('should accept a password of exactly 12 and of exactly 48 characters', async () => {
    for (const password of ['abcdefghij1!', `${'a'.repeat(46)}1!`]) {
      const fresh = await startApp({}, { setup: false });
      const got = await restClient(fresh.url)('POST', '/api/v1/setup', { body: { ...SETUP, admin: { ...ADMIN, password } } });
      expect(got.status).toBe(200);
    }
  });

  it('should refuse a malformed email with 422 naming "email"', async () => {
    const fresh = await startApp({}, { setup: false });
    for (const email of ['not-an-email', 'a b@example.com', '@example.com', '']) {
      const got = await restClient(fresh.url)('POST', '/api/v1/setup', { body: { ...SETUP, admin: { ...ADMIN, email } } });
      expect(errorOf(got)).toEqual(invalid(422, 'Validation Failed', [{ name: 'email', reason: 'must be a valid email address' }]));
    }
  });

  it('should list every invalid field at once', async () => {
    const fresh = await startApp({}, { setup: false });
    const got = await restClient(fresh.url)('POST', '/api/v1/setup', {
      body: { admin: { name: ' ', email: 'nope', password: PASSWORD }, org_info: { org_name: '' } },
    });
    expect(errorOf(got)).toEqual(
      invalid(422, 'Validation Failed', [
        { name: 'name', reason: 'cannot be empty' },
        { name: 'email', reason: 'must be a valid email address' },
        { name: 'org_name', reason: 'cannot be empty' },
      ]),
    );
  });

  it('should answer 400 "Expected JSON Body" for an empty body', async () => {
    expect(errorOf(await rest('POST', '/api/v1/setup'))).toEqual(invalid(400, 'Bad request', base('Expected JSON Body')));
  });
});

describe('POST /api/v1/fleet/login', () => {
  it('should answer the user and a new session token for the right password', async () => {
    const r = await rest('POST', '/api/v1/fleet/login', { body: { email: ADMIN.email, password: ADMIN.password } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      user: userBody({ id: 1, name: ADMIN.name, email: ADMIN.email, global_role: 'admin' }),
      available_teams: [],
      token: expect.stringMatching(/^[\w-]{43}$/),
    });
    expect(r.body.token).not.toBe(t.adminToken);
    expect((await rest('GET', '/api/v1/fleet/me', { token: r.body.token })).status).toBe(200);
  });

  it('should answer the same 401 "Authentication failed" for a wrong password and for an unknown email', async () => {
    const wrong = await rest('POST', '/api/v1/fleet/login', { body: { email: ADMIN.email, password: 'wrong-password-1!' } });
    const unknown = await rest('POST', '/api/v1/fleet/login', { body: { email: 'nobody@example.com', password: ADMIN.password } });
    for (const r of [wrong, unknown]) {
      expect(errorOf(r)).toEqual(invalid(401, 'Authentication failed', base('Authentication failed')));
    }
  });

  it('should refuse an API-only user with 401 even with the right password', async () => {
    const created = await rest('POST', '/api/v1/fleet/users/admin', {
      token: t.adminToken,
      body: { name: 'Bot', email: 'bot-login@example.com', password: PASSWORD, global_role: 'observer', api_only: true },
    });
    expect(created.status).toBe(200);
    const r = await rest('POST', '/api/v1/fleet/login', { body: { email: 'bot-login@example.com', password: PASSWORD } });
    expect(errorOf(r)).toEqual(invalid(401, 'Authentication failed', base('Authentication failed')));
  });

  it('should answer 400 "Expected JSON Body" for an empty body', async () => {
    expect(errorOf(await rest('POST', '/api/v1/fleet/login'))).toEqual(invalid(400, 'Bad request', base('Expected JSON Body')));
  });
});

describe('login rate limiting', () => {
  it('should answer 429 with Retry-After on the 4th attempt for one email, even with the right password', async () => {
    const limited = await startApp({ loginRateLimit: 3 });
    const r = restClient(limited.url);
    for (let i = 0; i < 3; i++) {
      expect((await r('POST', '/api/v1/fleet/login', { body: { email: ADMIN.email, password: 'wrong-password-1!' } })).status).toBe(401);
    }
    expectRateLimited(await r('POST', '/api/v1/fleet/login', { body: { email: ADMIN.email, password: ADMIN.password } }));
  });

  it('should count attempts per email across addresses and regardless of letter case', async () => {
    const limited = await startApp({ loginRateLimit: 3 });
    const emails = ['admin@example.com', 'Admin@Example.com', ' ADMIN@example.com'];
    for (const [i, email] of emails.entries()) {
      expect((await loginFrom(limited, `127.0.0.${i + 2}`, { email, password: 'wrong-password-1!' })).status).toBe(401);
    }
    expectRateLimited(await loginFrom(limited, '127.0.0.9', { email: ADMIN.email, password: ADMIN.password }));
  });

  it('should limit another email from the same address once the address has spent its budget', async () => {
    const limited = await startApp({ loginRateLimit: 3 });
    for (const email of ['a@example.com', 'b@example.com', 'c@example.com']) {
      expect((await loginFrom(limited, '127.0.0.2', { email, password: 'wrong-password-1!' })).status).toBe(401);
    }
    expectRateLimited(await loginFrom(limited, '127.0.0.2', { email: ADMIN.email, password: ADMIN.password }));
    // Another address still has its own budget, and the admin's email has spent only one attempt.
    expect((await loginFrom(limited, '127.0.0.3', { email: ADMIN.email, password: ADMIN.password })).status).toBe(200);
  });

  it('should not count requests other than login attempts', async () => {
    const limited = await startApp({ loginRateLimit: 3 });
    const r = restClient(limited.url);
    for (let i = 0; i < 5; i++) expect((await r('GET', '/api/v1/fleet/me', { token: limited.adminToken })).status).toBe(200);
    expect((await r('POST', '/api/v1/fleet/login', { body: { email: ADMIN.email, password: ADMIN.password } })).status).toBe(200);
  });
});

describe('POST /api/v1/fleet/logout', () => {
  it('should invalidate the token so that the next request is 401 "Authentication required"', async () => {
    const login = await rest('POST', '/api/v1/fleet/login', { body: { email: ADMIN.email, password: ADMIN.password } });
    const token = login.body.token as string;
    const out = await rest('POST', '/api/v1/fleet/logout', { token });
    expect({ status: out.status, body: out.body }).toEqual({ status: 200, body: {} });
    expect(errorOf(await rest('GET', '/api/v1/fleet/me', { token }))).toEqual(
      invalid(401, 'Authentication required', base('Authentication required')),
    );
    expect(errorOf(await rest('POST', '/api/v1/fleet/logout', { token }))).toEqual(
      invalid(401, 'Authentication required', base('Authentication required')),
    );
  });

  it('should leave the user’s other sessions valid', async () => {
    const login = await rest('POST', '/api/v1/fleet/login', { body: { email: ADMIN.email, password: ADMIN.password } });
    await rest('POST', '/api/v1/fleet/logout', { token: login.body.token });
    expect((await rest('GET', '/api/v1/fleet/me', { token: t.adminToken })).status).toBe(200);
  });

  it('should answer 401 "Authorization header required" without a token', async () => {
    expect(errorOf(await rest('POST', '/api/v1/fleet/logout'))).toEqual(
      invalid(401, 'Authorization header required', base('Authorization header required')),
    );
  });
});

describe('GET /api/v1/fleet/me', () => {
  it('should answer the caller as a Fleet user', async () => {
    const r = await rest('GET', '/api/v1/fleet/me', { token: observer });
    expect({ status: r.status, body: r.body }).toEqual({
      status: 200,
      body: { user: userBody({ name: 'observer', email: 'observer@example.com', global_role: 'observer' }) },
    });
  });

  it('should answer 401 without a token and for an unknown token', async () => {
    expect(errorOf(await rest('GET', '/api/v1/fleet/me'))).toEqual(
      invalid(401, 'Authorization header required', base('Authorization header required')),
    );
    expect(errorOf(await rest('GET', '/api/v1/fleet/me', { token: 'not-a-session' }))).toEqual(
      invalid(401, 'Authentication required', base('Authentication required')),
    );
  });
});

describe('POST /api/v1/fleet/users/admin', () => {
  const create = (body: Record<string, unknown>, token = t.adminToken) =>
    rest('POST', '/api/v1/fleet/users/admin', { token, body: { name: 'Someone', password: PASSWORD, ...body } });

  it.each(['admin', 'maintainer', 'observer', 'observer_plus', 'gitops'])('should create a user with the global role %s', async (role) => {
    const email = `global-${role}@example.com`;
    const r = await create({ email, global_role: role });
    expect({ status: r.status, body: r.body }).toEqual({
      status: 200,
      body: { user: userBody({ name: 'Someone', email, global_role: role }) },
    });
    const login = await rest('POST', '/api/v1/fleet/login', { body: { email, password: PASSWORD } });
    expect(login.body.user.global_role).toBe(role);
  });

  it('should create a user with team roles and no global role', async () => {
    const r = await create({
      email: 'teams@example.com',
      teams: [
        { id: teamA, role: 'maintainer' },
        { id: teamB, role: 'observer' },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.user).toEqual(
      userBody({
        name: 'Someone',
        email: 'teams@example.com',
        global_role: null,
        teams: [
          { id: teamA, role: 'maintainer' },
          { id: teamB, role: 'observer' },
        ],
      }),
    );
    const me = await rest('GET', '/api/v1/fleet/me', { token: await bearerOf('teams@example.com') });
    expect(me.body.user.teams).toEqual(r.body.user.teams);
  });

  it('should answer an API-only user’s token once, and the token should work as a Bearer token', async () => {
    const r = await create({ email: 'api@example.com', global_role: 'maintainer', api_only: true });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      user: userBody({ name: 'Someone', email: 'api@example.com', global_role: 'maintainer', api_only: true }),
      token: expect.stringMatching(/^[\w-]{43}$/),
    });
    const me = await rest('GET', '/api/v1/fleet/me', { token: r.body.token });
    expect({ status: me.status, email: me.body.user.email, api_only: me.body.user.api_only }).toEqual({
      status: 200,
      email: 'api@example.com',
      api_only: true,
    });
    expect((await rest('GET', '/api/v1/fleet/spec/queries', { token: r.body.token })).status).toBe(200);
  });

  it('should not answer a token for a user who is not API-only', async () => {
    const r = await create({ email: 'not-api@example.com', global_role: 'observer', api_only: false });
    expect(Object.keys(r.body)).toEqual(['user']);
  });

  it.each([
    [
      'both a global role and teams',
      () => ({ email: 'both@example.com', global_role: 'observer', teams: [{ id: teamA, role: 'observer' }] }),
      [{ name: 'teams', reason: 'may not be specified with global_role' }],
    ],
    ['neither a global role nor teams', () => ({ email: 'neither@example.com' }), [
      { name: 'global_role', reason: 'either global_role or teams must be specified' },
    ]],
    ['an unknown global role', () => ({ email: 'bad-role@example.com', global_role: 'superuser' }), [
      { name: 'global_role', reason: 'must be one of admin, maintainer, observer, observer_plus, gitops' },
    ]],
    ['an unknown team role', () => ({ email: 'bad-team-role@example.com', teams: [{ id: teamA, role: 'owner' }] }), [
      { name: 'teams', reason: 'invalid team role "owner"' },
    ]],
    ['gitops as a team role', () => ({ email: 'team-gitops@example.com', teams: [{ id: teamA, role: 'gitops' }] }), [
      { name: 'teams', reason: 'invalid team role "gitops"' },
    ]],
    ['an empty name and a malformed email', () => ({ name: '', email: 'nope', global_role: 'observer' }), [
      { name: 'name', reason: 'cannot be empty' },
      { name: 'email', reason: 'must be a valid email address' },
    ]],
    ['a password outside the policy', () => ({ email: 'weak@example.com', global_role: 'observer', password: 'password' }), [
      { name: 'password', reason: POLICY_REASON },
    ]],
  ])('should refuse %s with 422 and create nothing', async (_what, body, errors) => {
    const input = body();
    expect(errorOf(await create(input))).toEqual(invalid(422, 'Validation Failed', errors));
    const users = await rest('GET', '/api/v1/fleet/users', { token: t.adminToken });
    expect((users.body.users as { email: string }[]).map((u) => u.email)).not.toContain(input.email);
  });

  it('should refuse an email already in use with 409', async () => {
    expect(errorOf(await create({ email: ADMIN.email, global_role: 'observer' }))).toEqual(
      invalid(409, 'Resource Already Exists', base(`a user with email ${ADMIN.email} already exists`)),
    );
  });

  it('should answer one 200 and 409s, never a 500, to concurrent creations of one email', async () => {
    const replies = await Promise.all([1, 2, 3, 4].map(() => create({ email: 'race@example.com', global_role: 'observer' })));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    for (const r of replies.filter((x) => x.status === 409)) {
      expect(errorOf(r)).toEqual(invalid(409, 'Resource Already Exists', base('a user with email race@example.com already exists')));
    }
    const users = await rest('GET', '/api/v1/fleet/users', { token: t.adminToken });
    expect((users.body.users as { email: string }[]).filter((u) => u.email === 'race@example.com')).toHaveLength(1);
  });

  it('should refuse an unknown team with 404 and create nothing', async () => {
    const r = await create({ email: 'ghost-team@example.com', teams: [{ id: teamA, role: 'observer' }, { id: 9999, role: 'observer' }] });
    expect(errorOf(r)).toEqual(invalid(404, 'Resource Not Found', base('Team 9999 was not found in the datastore')));
    const users = await rest('GET', '/api/v1/fleet/users', { token: t.adminToken });
    expect((users.body.users as { email: string }[]).map((u) => u.email)).not.toContain('ghost-team@example.com');
  });

  it('should refuse non-admins with 403 forbidden', async () => {
    for (const token of [maintainer, observer]) {
      expect(errorOf(await create({ email: 'by-non-admin@example.com', global_role: 'admin' }, token))).toEqual(
        invalid(403, 'forbidden', base('forbidden')),
      );
    }
  });

  it('should answer 401 without a token', async () => {
    const r = await rest('POST', '/api/v1/fleet/users/admin', { body: { name: 'x', email: 'x@example.com', password: PASSWORD } });
    expect(errorOf(r)).toEqual(invalid(401, 'Authorization header required', base('Authorization header required')));
  });

  it('should answer 400 "json decoder error" for wrongly typed fields', async () => {
    for (const body of [{ global_role: 5 }, { teams: [{ id: 'one', role: 'observer' }] }, { api_only: 'yes' }]) {
      expect(errorOf(await create({ email: 'typed@example.com', ...body }))).toEqual(invalid(400, 'Bad request', base('json decoder error')));
    }
  });
});

describe('GET /api/v1/fleet/users', () => {
  it('should list every user for an admin, oldest first', async () => {
    const r = await rest('GET', '/api/v1/fleet/users', { token: t.adminToken });
    expect(r.status).toBe(200);
    const users = r.body.users as { id: number; email: string }[];
    expect(users.slice(0, 3)).toEqual([
      userBody({ id: 1, name: ADMIN.name, email: ADMIN.email, global_role: 'admin' }),
      userBody({ name: 'maintainer', email: 'maintainer@example.com', global_role: 'maintainer' }),
      userBody({ name: 'observer', email: 'observer@example.com', global_role: 'observer' }),
    ]);
    expect(users.map((u) => u.id)).toEqual([...users.map((u) => u.id)].sort((a, b) => a - b));
    expect(JSON.stringify(r.body)).not.toMatch(/password_hash|passwordHash|\$2[aby]\$/);
  });

  it('should refuse a maintainer and an observer with 403', async () => {
    for (const token of [maintainer, observer]) {
      expect(errorOf(await rest('GET', '/api/v1/fleet/users', { token }))).toEqual(invalid(403, 'forbidden', base('forbidden')));
    }
  });
});

describe('credentials at rest', () => {
  it('should store bcrypt hashes, never passwords', () => {
    const db = new Database(t.dbPath, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT email, password_hash FROM users').all() as { email: string; password_hash: string }[];
      expect(rows.length).toBeGreaterThan(3);
      for (const row of rows) {
        expect(row.password_hash).toMatch(/^\$2[aby]\$04\$[./A-Za-z0-9]{53}$/);
        expect(row.password_hash).not.toContain(PASSWORD);
        expect(row.password_hash).not.toContain(ADMIN.password);
      }
    } finally {
      db.close();
    }
  });

  it('should store only the SHA-256 of session tokens', async () => {
    const login = await rest('POST', '/api/v1/fleet/login', { body: { email: ADMIN.email, password: ADMIN.password } });
    const tokens = [t.adminToken, login.body.token as string];
    const db = new Database(t.dbPath, { readonly: true, fileMustExist: true });
    try {
      const rows = db.prepare('SELECT * FROM sessions').all() as Record<string, unknown>[];
      const hashes = rows.map((r) => r.token_hash);
      for (const token of tokens) {
        expect(hashes).toContain(createHash('sha256').update(token).digest('hex'));
        expect(JSON.stringify(rows)).not.toContain(token);
      }
      for (const h of hashes) expect(h).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      db.close();
    }
  });
});

async function bearerOf(email: string): Promise<string> {
  const r = await rest('POST', '/api/v1/fleet/login', { body: { email, password: PASSWORD } });
  if (r.status !== 200) throw new Error(`login ${email}: ${r.status}`);
  return r.body.token as string;
}
