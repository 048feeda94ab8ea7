import { beforeEach, describe, expect, it } from 'vitest';
import { defaultAgentOptions } from '../../resolvers/agent-options.js';
import {
  AuthFailedError,
  AuthRequiredError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
} from '../../resolvers/errors.js';
import {
  authenticate,
  createUser,
  listUsers,
  login,
  logout,
  me,
  setup,
  type CreateUserInput,
  type SetupInput,
} from '../../resolvers/users.js';
import { ADMIN, anonymousCtx, ctxForToken, makeDeps, makeEnv, NOW, PASSWORD, rejection, type Env } from './helpers.js';

const SETUP: SetupInput = { admin: ADMIN, orgName: 'Acme', serverUrl: 'https://fleet.example.com' };
const POLICY = 'Password must be 12 to 48 characters long and include at least one number and one symbol';

describe('setup', () => {
  it('creates the first global admin, a session for it and the org settings', async () => {
    const deps = makeDeps();
    const { user, token, config } = await setup(anonymousCtx(deps), SETUP);
    expect(user).toMatchObject({
      name: 'Admin',
      email: 'admin@example.com',
      globalRole: 'admin',
      teams: [],
      apiOnly: false,
      createdAt: NOW,
    });
    expect(config).toEqual({
      orgInfo: { orgName: 'Acme', orgLogoUrl: '' },
      serverSettings: { serverUrl: 'https://fleet.example.com', liveQueryDisabled: false },
      agentOptions: defaultAgentOptions(),
      fleetDesktop: { transparencyUrl: '' },
    });
    expect(await deps.store.appConfig.get()).toEqual(config);
    expect((await authenticate({ deps }, token))?.user.id).toBe(user.id);
  });

  it('trims the name and organization name', async () => {
    const deps = makeDeps();
    const { user, config } = await setup(anonymousCtx(deps), { ...SETUP, admin: { ...ADMIN, name: ' Admin ' }, orgName: ' Acme ' });
    expect([user.name, config.orgInfo.orgName]).toEqual(['Admin', 'Acme']);
  });

  it('trims the email', async () => {
    const { user } = await setup(anonymousCtx(makeDeps()), { ...SETUP, admin: { ...ADMIN, email: ' admin@example.com ' } });
    expect(user.email).toBe('admin@example.com');
  });

  it('refuses a second setup with ConflictError and changes nothing', async () => {
    const deps = makeDeps();
    await setup(anonymousCtx(deps), SETUP);
    const e = await rejection(
      setup(anonymousCtx(deps), { ...SETUP, admin: { ...ADMIN, email: 'other@example.com' }, orgName: 'Other' }),
      ConflictError,
    );
    expect(e.httpStatus).toBe(409);
    expect(e.message).toBe('setup has already been completed');
    expect(await deps.store.users.count()).toBe(1);
    expect((await deps.store.appConfig.get())?.orgInfo.orgName).toBe('Acme');
  });

  it('refuses concurrent setups but one', async () => {
    const deps = makeDeps();
    const results = await Promise.allSettled([
      setup(anonymousCtx(deps), SETUP),
      setup(anonymousCtx(deps), { ...SETUP, admin: { ...ADMIN, email: 'second@example.com' } }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(rejected?.reason).toBeInstanceOf(ConflictError);
    expect(await deps.store.users.count()).toBe(1);
  });

  it('lists every identity problem at once', async () => {
    const e = await rejection(
      setup(anonymousCtx(makeDeps()), { admin: { name: ' ', email: 'not-an-email', password: ADMIN.password }, orgName: '', serverUrl: '' }),
      ValidationError,
    );
    expect(e.invalid).toEqual([
      { name: 'name', reason: 'cannot be empty' },
      { name: 'email', reason: 'must be a valid email address' },
      { name: 'org_name', reason: 'cannot be empty' },
    ]);
  });

  it('refuses a weak password, naming "password"', async () => {
    const e = await rejection(setup(anonymousCtx(makeDeps()), { ...SETUP, admin: { ...ADMIN, password: 'short' } }), ValidationError);
    expect(e.invalid).toEqual([{ name: 'password', reason: POLICY }]);
  });

  it('validates the input before reporting a completed setup', async () => {
    const deps = makeDeps();
    await setup(anonymousCtx(deps), SETUP);
    await expect(setup(anonymousCtx(deps), { ...SETUP, orgName: '' })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('login', () => {
  let env: Env;
  beforeEach(async () => {
    env = await makeEnv();
  });

  it('answers the user and a new token that authenticates', async () => {
    const { user, token } = await login(env.anonymous, ADMIN.email, ADMIN.password);
    expect(user.email).toBe(ADMIN.email);
    expect(user).not.toHaveProperty('passwordHash');
    const ctx = await ctxForToken(env.deps, token);
    expect(ctx.viewer!.user.id).toBe(user.id);
    expect(ctx.viewer!.sessionId).not.toBe(env.admin.viewer!.sessionId);
  });

  it('accepts an email with surrounding spaces', async () => {
    await expect(login(env.anonymous, `  ${ADMIN.email} `, ADMIN.password)).resolves.toBeDefined();
  });

  it('refuses a wrong password with AuthFailedError', async () => {
    const e = await rejection(login(env.anonymous, ADMIN.email, 'wrong-password-1!'), AuthFailedError);
    expect(e.httpStatus).toBe(401);
    expect(e.message).toBe('Authentication failed');
  });

  it('refuses an unknown email with the same AuthFailedError', async () => {
    const e = await rejection(login(env.anonymous, 'nobody@example.com', ADMIN.password), AuthFailedError);
    expect(e.message).toBe('Authentication failed');
  });

  it('refuses an API-only user even with the right password', async () => {
    await createUser(env.admin, {
      name: 'Bot',
      email: 'bot@example.com',
      password: PASSWORD,
      globalRole: 'observer',
      teams: [],
      apiOnly: true,
    });
    await expect(login(env.anonymous, 'bot@example.com', PASSWORD)).rejects.toBeInstanceOf(AuthFailedError);
  });

  it('rate-limits repeated attempts for one email, with the seconds to wait', async () => {
    const limited = await makeEnv({ loginLimit: 2, loginWindowMs: 60_000 });
    const from = (addr: string) => anonymousCtx(limited.deps, addr);
    await rejection(login(from('10.0.0.1'), ADMIN.email, 'wrong-password-1!'), AuthFailedError);
    await rejection(login(from('10.0.0.2'), ADMIN.email.toUpperCase(), 'wrong-password-1!'), AuthFailedError);
    const e = await rejection(login(from('10.0.0.3'), ADMIN.email, ADMIN.password), RateLimitedError);
    expect(e.retryAfterSeconds).toBe(60);
  });

  it('rate-limits repeated attempts from one address across emails', async () => {
    const limited = await makeEnv({ loginLimit: 2, loginWindowMs: 60_000 });
    const ctx = anonymousCtx(limited.deps, '10.0.0.9');
    await rejection(login(ctx, 'a@example.com', 'x'), AuthFailedError);
    await rejection(login(ctx, 'b@example.com', 'x'), AuthFailedError);
    await rejection(login(ctx, 'c@example.com', 'x'), RateLimitedError);
  });

  it('allows attempts again once the window has passed', async () => {
    const limited = await makeEnv({ loginLimit: 1, loginWindowMs: 60_000 });
    await rejection(login(limited.anonymous, ADMIN.email, 'x'), AuthFailedError);
    await rejection(login(limited.anonymous, ADMIN.email, ADMIN.password), RateLimitedError);
    limited.deps.setNow(new Date(NOW.getTime() + 60_000));
    await expect(login(limited.anonymous, ADMIN.email, ADMIN.password)).resolves.toBeDefined();
  });
});

describe('logout', () => {
  it('ends the current session only', async () => {
    const env = await makeEnv();
    const { token } = await login(env.anonymous, ADMIN.email, ADMIN.password);
    const second = await ctxForToken(env.deps, token);
    await logout(second);
    expect(await authenticate({ deps: env.deps }, token)).toBeNull();
    expect(await listUsers(env.admin)).toHaveLength(1);
  });

  it('requires a viewer', async () => {
    await expect(logout(anonymousCtx(makeDeps()))).rejects.toBeInstanceOf(AuthRequiredError);
  });
});

describe('me', () => {
  it('answers the signed-in user', async () => {
    const env = await makeEnv();
    expect(me(env.admin).email).toBe(ADMIN.email);
  });

  it('throws AuthRequiredError without a viewer', () => {
    expect(() => me(anonymousCtx(makeDeps()))).toThrow(AuthRequiredError);
  });
});

describe('authenticate', () => {
  it('answers null for an unknown token', async () => {
    expect(await authenticate({ deps: makeDeps() }, 'nope')).toBeNull();
  });

  it('answers the viewer with its teams for a known token', async () => {
    const env = await makeEnv();
    const ctx = await env.asTeam('A', 'maintainer');
    expect(ctx.viewer!.user.teams).toEqual([{ teamId: await env.team('A'), role: 'maintainer' }]);
    expect(ctx.viewer!.user.globalRole).toBeNull();
  });

  it('answers null for a login session older than the session duration', async () => {
    const deps = makeDeps();
    const { token } = await setup(anonymousCtx(deps), { admin: ADMIN, orgName: 'Acme', serverUrl: '' });
    deps.setNow(new Date(NOW.getTime() + deps.sessionTtlSeconds * 1000));
    expect(await authenticate({ deps }, token)).not.toBeNull();
    deps.setNow(new Date(NOW.getTime() + deps.sessionTtlSeconds * 1000 + 1));
    expect(await authenticate({ deps }, token)).toBeNull();
  });

  it("keeps an API-only user's token valid past the session duration", async () => {
    const env = await makeEnv();
    const { token } = await createUser(env.admin, {
      name: 'Bot',
      email: 'bot@example.com',
      password: PASSWORD,
      globalRole: 'observer',
      teams: [],
      apiOnly: true,
    });
    env.deps.setNow(new Date(NOW.getTime() + 10 * env.deps.sessionTtlSeconds * 1000));
    expect((await authenticate({ deps: env.deps }, token!))?.user.email).toBe('bot@example.com');
  });
});

describe('listUsers', () => {
  it('lists users in creation order to a global admin', async () => {
    const env = await makeEnv();
    await env.as('observer');
    expect((await listUsers(env.admin)).map((u) => u.globalRole)).toEqual(['admin', 'observer']);
  });

  it.each(['maintainer', 'observer', 'observer_plus', 'gitops'] as const)('is forbidden to a global %s', async (role) => {
    const env = await makeEnv();
    await expect(listUsers(await env.as(role))).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('is forbidden to a team admin', async () => {
    const env = await makeEnv();
    await expect(listUsers(await env.asTeam('A', 'admin'))).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('createUser', () => {
  let env: Env;
  beforeEach(async () => {
    env = await makeEnv();
  });

  const input = (over: Partial<CreateUserInput> = {}): CreateUserInput => ({
    name: 'Jane',
    email: 'jane@example.com',
    password: PASSWORD,
    globalRole: 'maintainer',
    teams: [],
    apiOnly: false,
    ...over,
  });

  it('creates a user with a global role, without a token', async () => {
    const { user, token } = await createUser(env.admin, input());
    expect(token).toBeNull();
    expect(user).toMatchObject({ name: 'Jane', email: 'jane@example.com', globalRole: 'maintainer', teams: [], apiOnly: false });
    const { user: again } = await login(env.anonymous, 'jane@example.com', PASSWORD);
    expect(again.id).toBe(user.id);
  });

  it('creates a user with team roles', async () => {
    const a = await env.team('A');
    const b = await env.team('B');
    const { user } = await createUser(
      env.admin,
      input({
        globalRole: null,
        teams: [
          { id: a, role: 'admin' },
          { id: b, role: 'observer' },
        ],
      }),
    );
    expect(user.globalRole).toBeNull();
    expect(user.teams).toEqual([
      { teamId: a, role: 'admin' },
      { teamId: b, role: 'observer' },
    ]);
  });

  it('creates an API-only user with a token that authenticates', async () => {
    const { user, token } = await createUser(env.admin, input({ apiOnly: true }));
    expect(user.apiOnly).toBe(true);
    expect(token).toEqual(expect.any(String));
    expect((await ctxForToken(env.deps, token!)).viewer!.user.id).toBe(user.id);
  });

  it('trims the name', async () => {
    const { user } = await createUser(env.admin, input({ name: ' Jane ' }));
    expect(user.name).toBe('Jane');
  });

  it('trims the email', async () => {
    const { user } = await createUser(env.admin, input({ email: ' jane@example.com ' }));
    expect(user.email).toBe('jane@example.com');
  });

  it('refuses an empty name and an invalid email together', async () => {
    const e = await rejection(createUser(env.admin, input({ name: '', email: 'jane' })), ValidationError);
    expect(e.invalid).toEqual([
      { name: 'name', reason: 'cannot be empty' },
      { name: 'email', reason: 'must be a valid email address' },
    ]);
  });

  it('refuses an unknown global role', async () => {
    const e = await rejection(createUser(env.admin, input({ globalRole: 'root' })), ValidationError);
    expect(e.invalid).toEqual([{ name: 'global_role', reason: 'must be one of admin, maintainer, observer, observer_plus, gitops' }]);
  });

  it('refuses a global role together with teams', async () => {
    const a = await env.team('A');
    const e = await rejection(createUser(env.admin, input({ teams: [{ id: a, role: 'observer' }] })), ValidationError);
    expect(e.invalid).toEqual([{ name: 'teams', reason: 'may not be specified with global_role' }]);
  });

  it('refuses neither a global role nor teams', async () => {
    const e = await rejection(createUser(env.admin, input({ globalRole: null })), ValidationError);
    expect(e.invalid).toEqual([{ name: 'global_role', reason: 'either global_role or teams must be specified' }]);
  });

  it.each(['gitops', 'owner'])('refuses the team role %s', async (role) => {
    const a = await env.team('A');
    const e = await rejection(createUser(env.admin, input({ globalRole: null, teams: [{ id: a, role }] })), ValidationError);
    expect(e.invalid).toEqual([{ name: 'teams', reason: `invalid team role "${role}"` }]);
  });

  it('refuses a weak password after the other fields pass', async () => {
    const e = await rejection(createUser(env.admin, input({ password: 'password' })), ValidationError);
    expect(e.invalid).toEqual([{ name: 'password', reason: POLICY }]);
  });

  it('answers NotFoundError for an unknown team', async () => {
    const e = await rejection(createUser(env.admin, input({ globalRole: null, teams: [{ id: 999, role: 'observer' }] })), NotFoundError);
    expect(e.message).toBe('Team 999 was not found in the datastore');
  });

  it('answers ConflictError for an email already in use', async () => {
    await createUser(env.admin, input());
    const e = await rejection(createUser(env.admin, input({ name: 'Other' })), ConflictError);
    expect(e.message).toBe('a user with email jane@example.com already exists');
    expect(await listUsers(env.admin)).toHaveLength(2);
  });

  it('refuses the same team listed twice', async () => {
    const a = await env.team('A');
    await rejection(
      createUser(
        env.admin,
        input({
          globalRole: null,
          teams: [
            { id: a, role: 'observer' },
            { id: a, role: 'admin' },
          ],
        }),
      ),
      ValidationError,
    );
  });

  it.each(['maintainer', 'observer', 'gitops'] as const)('is forbidden to a global %s', async (role) => {
    await expect(createUser(await env.as(role), input())).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('checks authorization before validation', async () => {
    await expect(createUser(await env.as('observer'), input({ name: '' }))).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('requires a viewer', async () => {
    await expect(createUser(env.anonymous, input())).rejects.toBeInstanceOf(AuthRequiredError);
  });
});
