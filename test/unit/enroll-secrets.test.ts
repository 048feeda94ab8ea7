import { beforeEach, describe, expect, it } from 'vitest';
import {
  applyEnrollSecretSpec,
  checkSecrets,
  getEnrollSecretSpec,
  MAX_ENROLL_SECRETS,
  prepareEnrollSecrets,
} from '../../resolvers/enroll-secrets.js';
import { AuthRequiredError, ForbiddenError, ValidationError } from '../../resolvers/errors.js';
import { applyTeamSpecs } from '../../resolvers/teams.js';
import { makeCtx, makeEnv, NOW, rejection, type Env } from './helpers.js';

const IN_USE = 'one or more enroll secrets are already in use by another team';

let env: Env;
beforeEach(async () => {
  env = await makeEnv();
});

describe('checkSecrets', () => {
  it('answers the secrets without repeats', async () => {
    expect(await checkSecrets(env.admin, ['a', 'b', 'a'], null)).toEqual(['a', 'b']);
  });

  it(`accepts ${MAX_ENROLL_SECRETS} secrets`, async () => {
    const max = Array.from({ length: MAX_ENROLL_SECRETS }, (_, i) => `s${i}`);
    await expect(checkSecrets(env.admin, max, null)).resolves.toHaveLength(MAX_ENROLL_SECRETS);
  });

  it(`refuses more than ${MAX_ENROLL_SECRETS} secrets`, async () => {
    const many = Array.from({ length: MAX_ENROLL_SECRETS + 1 }, (_, i) => `s${i}`);
    const e = await rejection(checkSecrets(env.admin, many, null), ValidationError);
    expect(e.invalid).toEqual([{ name: 'secrets', reason: 'too many secrets' }]);
  });

  it('refuses a blank secret', async () => {
    const e = await rejection(checkSecrets(env.admin, ['ok', '  '], null), ValidationError);
    expect(e.invalid).toEqual([{ name: 'secrets', reason: 'enroll secret must not be empty' }]);
  });

  it("refuses a team's secret for the global scope", async () => {
    await applyTeamSpecs(env.admin, [{ name: 'A', secrets: [{ secret: 'team-secret' }] }]);
    const e = await rejection(checkSecrets(env.admin, ['team-secret'], null), ValidationError);
    expect(e.invalid).toEqual([{ name: 'secrets', reason: IN_USE }]);
  });

  it('refuses a global secret for a team', async () => {
    await env.team('A');
    await applyEnrollSecretSpec(env.admin, ['global-secret']);
    await expect(checkSecrets(env.admin, ['global-secret'], 'A')).rejects.toBeInstanceOf(ValidationError);
  });

  it('accepts secrets the scope already owns', async () => {
    await applyEnrollSecretSpec(env.admin, ['global-secret']);
    await expect(checkSecrets(env.admin, ['global-secret'], null)).resolves.toEqual(['global-secret']);
  });
});

describe('prepareEnrollSecrets', () => {
  it.each(['admin', 'maintainer', 'gitops'] as const)('is allowed to a global %s', async (role) => {
    const ctx = role === 'admin' ? env.admin : await env.as(role);
    await expect(prepareEnrollSecrets(ctx, ['s'])).resolves.toEqual(['s']);
  });

  it.each(['observer', 'observer_plus'] as const)('is forbidden to a global %s', async (role) => {
    await expect(prepareEnrollSecrets(await env.as(role), ['s'])).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('is forbidden to a team admin', async () => {
    await expect(prepareEnrollSecrets(await env.asTeam('A', 'admin'), ['s'])).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('requires a viewer', async () => {
    await expect(prepareEnrollSecrets(await makeCtx(null), ['s'])).rejects.toBeInstanceOf(AuthRequiredError);
  });
});

describe('applyEnrollSecretSpec', () => {
  it('sets the global secrets', async () => {
    await applyEnrollSecretSpec(env.admin, ['a', 'b']);
    expect(await getEnrollSecretSpec(env.admin)).toEqual([
      { secret: 'a', teamId: null, createdAt: NOW },
      { secret: 'b', teamId: null, createdAt: NOW },
    ]);
  });

  it('replaces the whole set, keeping the creation time of kept secrets', async () => {
    await applyEnrollSecretSpec(env.admin, ['keep', 'drop']);
    const later = new Date(NOW.getTime() + 60_000);
    env.deps.setNow(later);
    await applyEnrollSecretSpec(env.admin, ['keep', 'new']);
    expect((await getEnrollSecretSpec(env.admin)).map((s) => [s.secret, s.createdAt])).toEqual([
      ['keep', NOW],
      ['new', later],
    ]);
  });

  it('removes every global secret when given an empty list', async () => {
    await applyEnrollSecretSpec(env.admin, ['a']);
    await applyEnrollSecretSpec(env.admin, []);
    expect(await getEnrollSecretSpec(env.admin)).toEqual([]);
  });

  it('leaves team secrets alone', async () => {
    await applyTeamSpecs(env.admin, [{ name: 'A', secrets: [{ secret: 'team-secret' }] }]);
    const teamId = await env.team('A');
    await applyEnrollSecretSpec(env.admin, []);
    expect((await env.store.enrollSecrets.list(teamId)).map((s) => s.secret)).toEqual(['team-secret']);
  });

  it('writes nothing when the list is refused', async () => {
    await applyEnrollSecretSpec(env.admin, ['a']);
    await rejection(applyEnrollSecretSpec(env.admin, ['b', '']), ValidationError);
    expect((await getEnrollSecretSpec(env.admin)).map((s) => s.secret)).toEqual(['a']);
  });
});

describe('getEnrollSecretSpec', () => {
  it('answers an empty list when there are no global secrets', async () => {
    expect(await getEnrollSecretSpec(env.admin)).toEqual([]);
  });

  it('is readable by a global maintainer', async () => {
    await expect(getEnrollSecretSpec(await env.as('maintainer'))).resolves.toEqual([]);
  });

  it.each(['observer', 'observer_plus', 'gitops'] as const)('is forbidden to a global %s', async (role) => {
    await expect(getEnrollSecretSpec(await env.as(role))).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('is forbidden to a team admin', async () => {
    await expect(getEnrollSecretSpec(await env.asTeam('A', 'admin'))).rejects.toBeInstanceOf(ForbiddenError);
  });
});
