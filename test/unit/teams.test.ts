import { beforeEach, describe, expect, it } from 'vitest';
import { applyEnrollSecretSpec } from '../../resolvers/enroll-secrets.js';
import {
  AuthRequiredError,
  BadRequestError,
  ForbiddenError,
  LicenseError,
  NotFoundError,
  ValidationError,
} from '../../resolvers/errors.js';
import {
  applyTeamSpecs,
  getTeam,
  listTeams,
  prepareTeamSpecs,
  requirePremium,
  teamSecrets,
  teamsByIds,
} from '../../resolvers/teams.js';
import { makeEnv, NOW, rejection, type Env } from './helpers.js';

/** One team's secrets through the batched resolver. */
const secretsOf = async (ctx: Parameters<typeof teamSecrets>[0], id: number) => (await teamSecrets(ctx, [id])).get(id) ?? [];

let env: Env;
beforeEach(async () => {
  env = await makeEnv();
});

const secrets = (...xs: string[]) => xs.map((secret) => ({ secret }));

describe('requirePremium', () => {
  it('passes under a premium license', () => {
    expect(() => requirePremium(env.admin)).not.toThrow();
  });

  it('throws LicenseError (402) under a free license', async () => {
    const free = await makeEnv({ license: 'free' });
    try {
      requirePremium(free.admin);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(LicenseError);
      expect((e as LicenseError).httpStatus).toBe(402);
      expect((e as LicenseError).message).toBe('Requires Fleet Premium license');
    }
  });
});

describe('prepareTeamSpecs', () => {
  it('trims names and flattens secrets', async () => {
    expect(await prepareTeamSpecs(env.admin, [{ name: ' A ', secrets: secrets('s1', 's1', 's2') }])).toEqual([
      { name: 'A', agentOptions: undefined, secrets: ['s1', 's2'] },
    ]);
  });

  it('keeps null agent options (reset to the global ones) apart from absent ones', async () => {
    const [a, b] = await prepareTeamSpecs(env.admin, [{ name: 'A', agentOptions: null }, { name: 'B' }]);
    expect(a!.agentOptions).toBeNull();
    expect(b!.agentOptions).toBeUndefined();
  });

  it('refuses every caller under a free license, before authentication', async () => {
    const free = await makeEnv({ license: 'free' });
    await expect(prepareTeamSpecs(free.admin, [{ name: 'A' }])).rejects.toBeInstanceOf(LicenseError);
    await expect(prepareTeamSpecs(free.anonymous, [{ name: 'A' }])).rejects.toBeInstanceOf(LicenseError);
  });

  it('requires a viewer under a premium license', async () => {
    await expect(prepareTeamSpecs(env.anonymous, [{ name: 'A' }])).rejects.toBeInstanceOf(AuthRequiredError);
  });

  it('refuses an empty name with a 422 naming "name"', async () => {
    const e = await rejection(prepareTeamSpecs(env.admin, [{ name: '  ' }]), ValidationError);
    expect(e.invalid).toEqual([{ name: 'name', reason: 'name may not be empty' }]);
  });

  it('refuses invalid agent options with a 400', async () => {
    const e = await rejection(prepareTeamSpecs(env.admin, [{ name: 'A', agentOptions: { bogus: 1 } }]), BadRequestError);
    expect(e.message).toBe('unsupported key provided: "bogus"');
  });

  it('accepts invalid agent options when forced', async () => {
    const [spec] = await prepareTeamSpecs(env.admin, [{ name: 'A', agentOptions: { bogus: 1 } }], { force: true });
    expect(spec!.agentOptions).toEqual({ bogus: 1 });
  });

  it('refuses more than 50 secrets', async () => {
    const many = Array.from({ length: 51 }, (_, i) => `s${i}`);
    const e = await rejection(prepareTeamSpecs(env.admin, [{ name: 'A', secrets: secrets(...many) }]), ValidationError);
    expect(e.invalid).toEqual([{ name: 'secrets', reason: 'too many secrets' }]);
  });

  it('accepts exactly 50 secrets', async () => {
    const fifty = Array.from({ length: 50 }, (_, i) => `s${i}`);
    await expect(prepareTeamSpecs(env.admin, [{ name: 'A', secrets: secrets(...fifty) }])).resolves.toHaveLength(1);
  });

  it('refuses an empty secret', async () => {
    const e = await rejection(prepareTeamSpecs(env.admin, [{ name: 'A', secrets: [{ secret: ' ' }] }]), ValidationError);
    expect(e.invalid).toEqual([{ name: 'secrets', reason: 'enroll secret must not be empty' }]);
  });

  it("refuses an existing team's secret that another team uses", async () => {
    await applyTeamSpecs(env.admin, [{ name: 'A', secrets: secrets('taken') }, { name: 'B' }]);
    const e = await rejection(prepareTeamSpecs(env.admin, [{ name: 'B', secrets: secrets('taken') }]), ValidationError);
    expect(e.invalid).toEqual([{ name: 'secrets', reason: 'one or more enroll secrets are already in use by another team' }]);
  });

  it("refuses a new team's secret that another team uses", async () => {
    await applyTeamSpecs(env.admin, [{ name: 'A', secrets: secrets('taken') }]);
    await expect(prepareTeamSpecs(env.admin, [{ name: 'B', secrets: secrets('taken') }])).rejects.toBeInstanceOf(ValidationError);
  });

  it("refuses a new team's secret that is already a global enroll secret", async () => {
    await applyEnrollSecretSpec(env.admin, ['global-secret']);
    const e = await rejection(prepareTeamSpecs(env.admin, [{ name: 'New', secrets: secrets('global-secret') }]), ValidationError);
    expect(e.invalid).toEqual([{ name: 'secrets', reason: 'one or more enroll secrets are already in use by another team' }]);
  });

  it('refuses two teams of one apply claiming the same secret', async () => {
    const e = await rejection(
      prepareTeamSpecs(env.admin, [
        { name: 'A', secrets: secrets('shared') },
        { name: 'B', secrets: secrets('shared') },
      ]),
      ValidationError,
    );
    expect(e.invalid).toEqual([{ name: 'secrets', reason: 'one or more enroll secrets are already in use by another team' }]);
  });

  it("accepts an existing team's own secrets again", async () => {
    await applyTeamSpecs(env.admin, [{ name: 'A', secrets: secrets('mine') }]);
    await expect(prepareTeamSpecs(env.admin, [{ name: 'A', secrets: secrets('mine', 'more') }])).resolves.toHaveLength(1);
  });

  it('lets a global gitops user create teams', async () => {
    await expect(prepareTeamSpecs(await env.as('gitops'), [{ name: 'A' }])).resolves.toHaveLength(1);
  });

  it.each(['maintainer', 'observer', 'observer_plus'] as const)('forbids a global %s to create a team', async (role) => {
    await expect(prepareTeamSpecs(await env.as(role), [{ name: 'A' }])).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('lets a team admin edit its own team', async () => {
    const ctx = await env.asTeam('A', 'admin');
    await expect(prepareTeamSpecs(ctx, [{ name: 'A', agentOptions: null }])).resolves.toHaveLength(1);
  });

  it('forbids a team admin to edit another team', async () => {
    const ctx = await env.asTeam('A', 'admin');
    await env.team('B');
    await expect(prepareTeamSpecs(ctx, [{ name: 'B' }])).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('forbids a team admin to create a team', async () => {
    const ctx = await env.asTeam('A', 'admin');
    await expect(prepareTeamSpecs(ctx, [{ name: 'New' }])).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('forbids a team maintainer to edit its own team', async () => {
    const ctx = await env.asTeam('A', 'maintainer');
    await expect(prepareTeamSpecs(ctx, [{ name: 'A' }])).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('applyTeamSpecs', () => {
  it('creates a team with its secrets and no agent options of its own', async () => {
    const result = await applyTeamSpecs(env.admin, [{ name: 'A', secrets: secrets('s1') }]);
    expect(result).toEqual({ teams: { created: 1, updated: 0 } });
    const team = await getTeam(env.admin, 'A');
    expect(team).toMatchObject({ name: 'A', description: '', agentOptions: null, createdAt: NOW });
    expect(await secretsOf(env.admin, team.id)).toEqual([{ secret: 's1', teamId: team.id, createdAt: NOW }]);
  });

  it('stores agent options given on creation', async () => {
    await applyTeamSpecs(env.admin, [{ name: 'A', agentOptions: { config: {} } }]);
    expect((await getTeam(env.admin, 'A')).agentOptions).toEqual({ config: {} });
  });

  it('replaces agent options wholesale on edit', async () => {
    await applyTeamSpecs(env.admin, [{ name: 'A', agentOptions: { config: { options: { a: 1 } } } }]);
    const result = await applyTeamSpecs(env.admin, [{ name: 'A', agentOptions: { overrides: {} } }]);
    expect(result).toEqual({ teams: { created: 0, updated: 1 } });
    expect((await getTeam(env.admin, 'A')).agentOptions).toEqual({ overrides: {} });
  });

  it('resets agent options to the global ones when given null', async () => {
    await applyTeamSpecs(env.admin, [{ name: 'A', agentOptions: { config: {} } }]);
    await applyTeamSpecs(env.admin, [{ name: 'A', agentOptions: null }]);
    expect((await getTeam(env.admin, 'A')).agentOptions).toBeNull();
  });

  it('keeps agent options when the spec omits them', async () => {
    await applyTeamSpecs(env.admin, [{ name: 'A', agentOptions: { config: {} } }]);
    await applyTeamSpecs(env.admin, [{ name: 'A' }]);
    expect((await getTeam(env.admin, 'A')).agentOptions).toEqual({ config: {} });
  });

  it('replaces secrets when the new list is non-empty, keeping the creation time of kept ones', async () => {
    await applyTeamSpecs(env.admin, [{ name: 'A', secrets: secrets('keep', 'drop') }]);
    const later = new Date(NOW.getTime() + 3_600_000);
    env.deps.setNow(later);
    await applyTeamSpecs(env.admin, [{ name: 'A', secrets: secrets('keep', 'new') }]);
    const team = await getTeam(env.admin, 'A');
    const stored = await secretsOf(env.admin, team.id);
    expect(stored.map((s) => [s.secret, s.createdAt])).toEqual([
      ['keep', NOW],
      ['new', later],
    ]);
  });

  it('keeps secrets when the new list is empty (#6774)', async () => {
    await applyTeamSpecs(env.admin, [{ name: 'A', secrets: secrets('keep') }]);
    await applyTeamSpecs(env.admin, [{ name: 'A', secrets: [] }]);
    const team = await getTeam(env.admin, 'A');
    expect((await secretsOf(env.admin, team.id)).map((s) => s.secret)).toEqual(['keep']);
  });

  it('writes nothing on a dry run', async () => {
    expect(await applyTeamSpecs(env.admin, [{ name: 'A' }], { dryRun: true })).toEqual({});
    expect(await listTeams(env.admin)).toEqual([]);
  });

  it('still validates on a dry run', async () => {
    await expect(applyTeamSpecs(env.admin, [{ name: '' }], { dryRun: true })).rejects.toBeInstanceOf(ValidationError);
  });

  it('writes nothing when one spec of several is refused', async () => {
    await rejection(applyTeamSpecs(env.admin, [{ name: 'A' }, { name: 'B', agentOptions: { bogus: 1 } }]), BadRequestError);
    expect(await listTeams(env.admin)).toEqual([]);
  });
});

describe('listTeams', () => {
  it('lists every team to a global role', async () => {
    await applyTeamSpecs(env.admin, [{ name: 'A' }, { name: 'B' }]);
    expect((await listTeams(await env.as('observer'))).map((t) => t.name)).toEqual(['A', 'B']);
  });

  it("lists only a team member's own teams", async () => {
    const ctx = await env.asTeam('A', 'observer');
    await env.team('B');
    expect((await listTeams(ctx)).map((t) => t.name)).toEqual(['A']);
  });

  it('is refused under a free license', async () => {
    const free = await makeEnv({ license: 'free' });
    await expect(listTeams(free.admin)).rejects.toBeInstanceOf(LicenseError);
  });

  it('requires a viewer', async () => {
    await expect(listTeams(env.anonymous)).rejects.toBeInstanceOf(AuthRequiredError);
  });
});

describe('getTeam', () => {
  it('answers a team by name', async () => {
    const id = await env.team('A');
    expect((await getTeam(env.admin, 'A')).id).toBe(id);
  });

  it("answers NotFoundError with Fleet's text for an unknown name", async () => {
    const e = await rejection(getTeam(env.admin, 'nope'), NotFoundError);
    expect(e.message).toBe('Team nope was not found in the datastore');
  });

  it('requires a viewer even for an unknown team', async () => {
    await expect(getTeam(env.anonymous, 'nope')).rejects.toBeInstanceOf(AuthRequiredError);
  });

  it("forbids a team member another team's details", async () => {
    const ctx = await env.asTeam('A', 'admin');
    await env.team('B');
    await expect(getTeam(ctx, 'B')).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('teamsByIds', () => {
  it('answers only the teams the viewer may read', async () => {
    const ctx = await env.asTeam('A', 'observer');
    const a = await env.team('A');
    const b = await env.team('B');
    expect((await teamsByIds(ctx, [a, b])).map((t) => t.name)).toEqual(['A']);
    expect((await teamsByIds(env.admin, [a, b])).map((t) => t.name)).toEqual(['A', 'B']);
  });
});

describe('teamSecrets', () => {
  it("answers a team's secrets to its maintainer", async () => {
    const ctx = await env.asTeam('A', 'maintainer');
    await applyTeamSpecs(env.admin, [{ name: 'A', secrets: secrets('s') }]);
    const id = await env.team('A');
    expect((await secretsOf(ctx, id)).map((s) => s.secret)).toEqual(['s']);
  });

  it("forbids a team's secrets to its observer", async () => {
    const ctx = await env.asTeam('A', 'observer');
    await expect(secretsOf(ctx, await env.team('A'))).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("forbids another team's secrets to a team admin", async () => {
    const ctx = await env.asTeam('A', 'admin');
    await expect(secretsOf(ctx, await env.team('B'))).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('forbids team secrets to a global gitops user', async () => {
    await expect(secretsOf(await env.as('gitops'), await env.team('A'))).rejects.toBeInstanceOf(ForbiddenError);
  });
});
