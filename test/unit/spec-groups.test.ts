import { beforeEach, describe, expect, it } from 'vitest';
import { getEnrollSecretSpec } from '../../resolvers/enroll-secrets.js';
import { AuthRequiredError, BadRequestError, ForbiddenError, UnprocessableError, ValidationError } from '../../resolvers/errors.js';
import { listLabels } from '../../resolvers/labels.js';
import { getPack, listPacks, packDetails } from '../../resolvers/packs.js';
import { listPolicies } from '../../resolvers/policies.js';
import { listSavedQueries } from '../../resolvers/saved-queries.js';
import { applySpecGroup, type SpecGroup } from '../../resolvers/spec-groups.js';
import { listTeams } from '../../resolvers/teams.js';
import { makeEnv, rejection, type Env } from './helpers.js';

const group = (g: Partial<SpecGroup>): SpecGroup => ({
  queries: [],
  packs: [],
  labels: [],
  policies: [],
  teams: [],
  enrollSecrets: null,
  ...g,
});

let env: Env;
beforeEach(async () => {
  env = await makeEnv();
});

async function nothingWritten(): Promise<void> {
  expect(await listSavedQueries(env.admin)).toEqual([]);
  expect(await listPacks(env.admin)).toEqual([]);
  expect((await listLabels(env.admin)).filter((l) => l.labelType === 'regular')).toEqual([]);
  expect(await listTeams(env.admin)).toEqual([]);
  expect(await listPolicies(env.admin, null)).toEqual([]);
  expect(await getEnrollSecretSpec(env.admin)).toEqual([]);
}

const selfContained = group({
  packs: [{ name: 'pack', targets: { labels: ['servers'] }, queries: [{ query: 'uptime', interval: 60 }] }],
  queries: [{ name: 'uptime', query: 'SELECT * FROM uptime;' }],
  labels: [{ name: 'servers', query: 'SELECT 1;' }],
});

describe('applySpecGroup', () => {
  it('applies a pack that uses a label and a query defined in the same group', async () => {
    const result = await applySpecGroup(env.admin, selfContained);
    expect(result).toEqual({
      queries: { created: 1, updated: 0 },
      labels: { created: 1, updated: 0 },
      packs: { created: 1, updated: 0 },
    });
    const [details] = await packDetails(env.admin, [await getPack(env.admin, 'pack')]);
    expect(details!.labelNames).toEqual(['servers']);
    expect(details!.queries.map((q) => [q.queryName, q.interval])).toEqual([['uptime', 60]]);
  });

  it('applies policies and pack targets for a team defined in the same group', async () => {
    const result = await applySpecGroup(
      env.admin,
      group({
        teams: [{ name: 'A', secrets: [{ secret: 'a-secret' }] }],
        policies: [{ name: 'p', query: 'SELECT 1;', team: 'A' }],
        packs: [{ name: 'pack', targets: { teams: ['A'] } }],
      }),
    );
    expect(result).toEqual({
      teams: { created: 1, updated: 0 },
      policies: { created: 1, updated: 0 },
      packs: { created: 1, updated: 0 },
    });
    const [team] = await listTeams(env.admin);
    expect((await listPolicies(env.admin, team!.id)).map((p) => p.name)).toEqual(['p']);
    expect((await getPack(env.admin, 'pack')).teamIds).toEqual([team!.id]);
  });

  it('sets the global enroll secrets when the group names them', async () => {
    await applySpecGroup(env.admin, group({ enrollSecrets: ['g1', 'g2'] }));
    expect((await getEnrollSecretSpec(env.admin)).map((s) => s.secret)).toEqual(['g1', 'g2']);
  });

  it('clears the global enroll secrets for an empty list, and keeps them when absent', async () => {
    await applySpecGroup(env.admin, group({ enrollSecrets: ['g1'] }));
    await applySpecGroup(env.admin, group({ queries: [{ name: 'q', query: 'SELECT 1;' }] }));
    expect((await getEnrollSecretSpec(env.admin)).map((s) => s.secret)).toEqual(['g1']);
    await applySpecGroup(env.admin, group({ enrollSecrets: [] }));
    expect(await getEnrollSecretSpec(env.admin)).toEqual([]);
  });

  it('applies nothing for an empty group', async () => {
    expect(await applySpecGroup(env.admin, group({}))).toEqual({});
    await nothingWritten();
  });

  it('writes nothing when a label of the group is invalid', async () => {
    await rejection(
      applySpecGroup(env.admin, { ...selfContained, labels: [{ name: 'servers', hosts: ['h1'] }] }),
      UnprocessableError,
    );
    await nothingWritten();
  });

  it('writes nothing when a pack names a query neither stored nor in the group', async () => {
    const e = await rejection(
      applySpecGroup(env.admin, {
        ...selfContained,
        packs: [{ name: 'pack', queries: [{ query: 'uptime' }, { query: 'missing' }] }],
      }),
      ValidationError,
    );
    expect(e.invalid).toEqual([{ name: 'queries', reason: "cannot schedule unknown query 'missing'" }]);
    await nothingWritten();
  });

  it('writes nothing when a policy of the group is invalid', async () => {
    await rejection(
      applySpecGroup(env.admin, {
        ...selfContained,
        teams: [{ name: 'A' }],
        policies: [{ name: 'p', query: 'SELECT 1;', platform: 'beos' }],
      }),
      BadRequestError,
    );
    await nothingWritten();
  });

  it('writes nothing when the enroll secrets of the group are invalid', async () => {
    await rejection(applySpecGroup(env.admin, { ...selfContained, enrollSecrets: [''] }), ValidationError);
    await nothingWritten();
  });

  it('refuses a secret claimed by both a team and the global scope of the group', async () => {
    const e = await rejection(
      applySpecGroup(env.admin, group({ teams: [{ name: 'A', secrets: [{ secret: 'shared' }] }], enrollSecrets: ['shared'] })),
      ValidationError,
    );
    expect(e.invalid).toEqual([{ name: 'secrets', reason: 'one or more enroll secrets are already in use by another team' }]);
  });

  it('writes nothing when a secret is claimed by both a team and the global scope', async () => {
    await expect(
      applySpecGroup(env.admin, {
        ...selfContained,
        teams: [{ name: 'A', secrets: [{ secret: 'shared' }] }],
        enrollSecrets: ['shared'],
      }),
    ).rejects.toThrow();
    await nothingWritten();
  });

  it('authorizes each kind: a maintainer may not create the teams of a group', async () => {
    const maintainer = await env.as('maintainer');
    await expect(applySpecGroup(maintainer, { ...selfContained, teams: [{ name: 'A' }] })).rejects.toBeInstanceOf(ForbiddenError);
    await nothingWritten();
  });

  it('authorizes each kind: an observer may not apply labels', async () => {
    await expect(applySpecGroup(await env.as('observer'), group({ labels: [{ name: 'l' }] }))).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('lets a team admin apply a group that only edits its own team', async () => {
    const ctx = await env.asTeam('A', 'admin');
    const result = await applySpecGroup(ctx, group({ teams: [{ name: 'A', agentOptions: { config: {} } }] }));
    expect(result).toEqual({ teams: { created: 0, updated: 1 } });
  });

  it('requires a viewer', async () => {
    await expect(applySpecGroup(env.anonymous, selfContained)).rejects.toBeInstanceOf(AuthRequiredError);
  });
});
