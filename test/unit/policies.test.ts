import { beforeEach, describe, expect, it } from 'vitest';
import { AuthRequiredError, BadRequestError, ForbiddenError, LicenseError, NotFoundError } from '../../resolvers/errors.js';
import { applyPolicySpecs, listPolicies, preparePolicySpecs } from '../../resolvers/policies.js';
import { emptyPlanNames } from '../../resolvers/spec-inputs.js';
import { makeCtx, makeEnv, NOW, rejection, type Env } from './helpers.js';

let env: Env;
beforeEach(async () => {
  env = await makeEnv();
});

async function badRequest(p: Promise<unknown>, reason: string): Promise<void> {
  const e = await rejection(p, BadRequestError);
  expect(e.message).toBe(reason);
  expect(e.httpStatus).toBe(400);
  expect(e.fleetMessage).toBe('Bad request');
}

describe('preparePolicySpecs', () => {
  it('normalizes absent fields', async () => {
    expect(await preparePolicySpecs(env.admin, [{ name: 'p', query: 'SELECT 1;' }])).toEqual([
      { name: 'p', query: 'SELECT 1;', description: '', resolution: '', team: '', platform: '' },
    ]);
  });

  it('normalizes a comma-separated platform list', async () => {
    const [spec] = await preparePolicySpecs(env.admin, [{ name: 'p', query: 'SELECT 1;', platform: 'darwin, linux,,darwin' }]);
    expect(spec!.platform).toBe('darwin,linux');
  });

  it.each(['windows', 'linux', 'darwin', 'chrome'])('accepts the platform %s', async (platform) => {
    await expect(preparePolicySpecs(env.admin, [{ name: 'p', query: 'SELECT 1;', platform }])).resolves.toHaveLength(1);
  });

  it('refuses an empty name', async () => {
    await badRequest(preparePolicySpecs(env.admin, [{ name: ' ', query: 'SELECT 1;' }]), 'policy spec payload verification: policy name cannot be empty');
  });

  it('refuses an empty query', async () => {
    await badRequest(preparePolicySpecs(env.admin, [{ name: 'p', query: '' }]), 'policy spec payload verification: policy query cannot be empty');
  });

  it('refuses an unknown platform', async () => {
    await badRequest(
      preparePolicySpecs(env.admin, [{ name: 'p', query: 'SELECT 1;', platform: 'darwin,macos' }]),
      'policy spec payload verification: invalid policy platform',
    );
  });

  it('refuses duplicate names in one request', async () => {
    await badRequest(
      preparePolicySpecs(env.admin, [
        { name: 'p', query: 'SELECT 1;' },
        { name: 'p', query: 'SELECT 2;' },
      ]),
      'duplicate policy names not allowed',
    );
  });

  it.each(['observer', 'observer_plus'] as const)('forbids global policies to a global %s', async (role) => {
    await expect(preparePolicySpecs(await env.as(role), [{ name: 'p', query: 'SELECT 1;' }])).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('forbids even an empty list to a global observer', async () => {
    await expect(preparePolicySpecs(await env.as('observer'), [])).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('allows global policies to a global gitops user', async () => {
    await expect(preparePolicySpecs(await env.as('gitops'), [{ name: 'p', query: 'SELECT 1;' }])).resolves.toHaveLength(1);
  });

  it.each(['admin', 'maintainer'] as const)("allows a team %s its own team's policies", async (role) => {
    const ctx = await env.asTeam('A', role);
    await expect(preparePolicySpecs(ctx, [{ name: 'p', query: 'SELECT 1;', team: 'A' }])).resolves.toHaveLength(1);
  });

  it("forbids a team observer its own team's policies", async () => {
    const ctx = await env.asTeam('A', 'observer');
    await expect(preparePolicySpecs(ctx, [{ name: 'p', query: 'SELECT 1;', team: 'A' }])).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("forbids a team maintainer another team's policies", async () => {
    const ctx = await env.asTeam('A', 'maintainer');
    await env.team('B');
    await expect(preparePolicySpecs(ctx, [{ name: 'p', query: 'SELECT 1;', team: 'B' }])).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('forbids a team maintainer global policies', async () => {
    const ctx = await makeCtx({ team: 'A', role: 'maintainer' });
    await expect(preparePolicySpecs(ctx, [{ name: 'p', query: 'SELECT 1;' }])).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('answers NotFoundError for an unknown team to a global role', async () => {
    const e = await rejection(preparePolicySpecs(env.admin, [{ name: 'p', query: 'SELECT 1;', team: 'ghost' }]), NotFoundError);
    expect(e.message).toBe('Team ghost was not found in the datastore');
  });

  it('answers ForbiddenError, not NotFoundError, for an unknown team to a team member', async () => {
    const ctx = await env.asTeam('A', 'admin');
    await expect(preparePolicySpecs(ctx, [{ name: 'p', query: 'SELECT 1;', team: 'ghost' }])).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('accepts a team that the same apply defines, for a caller who may create teams', async () => {
    const defined = emptyPlanNames();
    defined.teams.add('New');
    await expect(preparePolicySpecs(env.admin, [{ name: 'p', query: 'SELECT 1;', team: 'New' }], defined)).resolves.toHaveLength(1);
  });

  it('requires a premium license for team policies', async () => {
    const free = await makeEnv({ license: 'free' });
    await expect(preparePolicySpecs(free.admin, [{ name: 'p', query: 'SELECT 1;', team: 'A' }])).rejects.toBeInstanceOf(LicenseError);
  });

  it('allows global policies under a free license', async () => {
    const free = await makeEnv({ license: 'free' });
    await expect(preparePolicySpecs(free.admin, [{ name: 'p', query: 'SELECT 1;' }])).resolves.toHaveLength(1);
  });

  it('requires a viewer', async () => {
    await expect(preparePolicySpecs(env.anonymous, [{ name: 'p', query: 'SELECT 1;' }])).rejects.toBeInstanceOf(AuthRequiredError);
  });

  it('forbids a team maintainer to rewrite a global policy through a spec naming its team', async () => {
    await applyPolicySpecs(env.admin, [{ name: 'global', query: 'SELECT 1;' }]);
    const ctx = await env.asTeam('A', 'maintainer');
    await expect(preparePolicySpecs(ctx, [{ name: 'global', query: 'SELECT 2;', team: 'A' }])).rejects.toBeInstanceOf(ForbiddenError);
    expect((await listPolicies(env.admin, null))[0]!.query).toBe('SELECT 1;');
  });

  it("forbids a team maintainer to rewrite another team's policy", async () => {
    await env.team('B');
    await applyPolicySpecs(env.admin, [{ name: 'b-policy', query: 'SELECT 1;', team: 'B' }]);
    const ctx = await env.asTeam('A', 'maintainer');
    await expect(preparePolicySpecs(ctx, [{ name: 'b-policy', query: 'SELECT 2;', team: 'A' }])).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('applyPolicySpecs', () => {
  it('creates a global policy authored by the viewer', async () => {
    const result = await applyPolicySpecs(env.admin, [
      { name: 'p', query: 'SELECT 1;', description: 'd', resolution: 'r', platform: 'darwin' },
    ]);
    expect(result).toEqual({ policies: { created: 1, updated: 0 } });
    expect(await listPolicies(env.admin, null)).toEqual([
      expect.objectContaining({
        name: 'p',
        query: 'SELECT 1;',
        description: 'd',
        resolution: 'r',
        platform: 'darwin',
        teamId: null,
        authorId: env.admin.viewer!.user.id,
        createdAt: NOW,
        updatedAt: NOW,
      }),
    ]);
  });

  it('creates a team policy on the named team', async () => {
    const teamId = await env.team('A');
    await applyPolicySpecs(env.admin, [{ name: 'p', query: 'SELECT 1;', team: 'A' }]);
    expect((await listPolicies(env.admin, teamId)).map((p) => [p.name, p.teamId])).toEqual([['p', teamId]]);
    expect(await listPolicies(env.admin, null)).toEqual([]);
  });

  it('updates only query, description, resolution and author, keeping team and platform', async () => {
    await applyPolicySpecs(env.admin, [{ name: 'p', query: 'SELECT 1;', platform: 'darwin' }]);
    const before = (await listPolicies(env.admin, null))[0]!;
    const later = new Date(NOW.getTime() + 60_000);
    env.deps.setNow(later);
    const maintainer = await env.as('maintainer');
    const result = await applyPolicySpecs(maintainer, [
      { name: 'p', query: 'SELECT 2;', description: 'd2', resolution: 'r2', platform: 'linux' },
    ]);
    expect(result).toEqual({ policies: { created: 0, updated: 1 } });
    const after = (await listPolicies(env.admin, null))[0]!;
    expect(after).toMatchObject({
      id: before.id,
      query: 'SELECT 2;',
      description: 'd2',
      resolution: 'r2',
      platform: 'darwin',
      teamId: null,
      authorId: maintainer.viewer!.user.id,
      createdAt: NOW,
      updatedAt: later,
    });
  });

  it('writes nothing when one spec of several is invalid', async () => {
    await rejection(
      applyPolicySpecs(env.admin, [
        { name: 'good', query: 'SELECT 1;' },
        { name: 'bad', query: '' },
      ]),
      BadRequestError,
    );
    expect(await listPolicies(env.admin, null)).toEqual([]);
  });
});

describe('listPolicies', () => {
  it('lists global policies to every global role', async () => {
    await applyPolicySpecs(env.admin, [{ name: 'p', query: 'SELECT 1;' }]);
    expect((await listPolicies(await env.as('observer'), null)).map((p) => p.name)).toEqual(['p']);
  });

  it('lists global policies to a team member', async () => {
    await expect(listPolicies(await env.asTeam('A', 'observer'), null)).resolves.toEqual([]);
  });

  it("lists a team's policies to its observer", async () => {
    const ctx = await env.asTeam('A', 'observer');
    const teamId = await env.team('A');
    await applyPolicySpecs(env.admin, [{ name: 'p', query: 'SELECT 1;', team: 'A' }]);
    expect((await listPolicies(ctx, teamId)).map((p) => p.name)).toEqual(['p']);
  });

  it("forbids a team's policies to a member of another team", async () => {
    const ctx = await env.asTeam('A', 'admin');
    await expect(listPolicies(ctx, await env.team('B'))).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('requires a premium license for team policies', async () => {
    const free = await makeEnv({ license: 'free' });
    await expect(listPolicies(free.admin, 1)).rejects.toBeInstanceOf(LicenseError);
  });

  it('requires a viewer', async () => {
    await expect(listPolicies(env.anonymous, null)).rejects.toBeInstanceOf(AuthRequiredError);
  });
});
