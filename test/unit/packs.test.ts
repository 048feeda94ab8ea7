import { beforeEach, describe, expect, it } from 'vitest';
import { AuthRequiredError, ForbiddenError, NotFoundError, ValidationError } from '../../resolvers/errors.js';
import { applyLabelSpecs } from '../../resolvers/labels.js';
import { applyPackSpecs, getPack, listPacks, packDetails, preparePackSpecs, scheduledQueriesOf } from '../../resolvers/packs.js';
import { applyQuerySpecs } from '../../resolvers/saved-queries.js';
import { emptyPlanNames } from '../../resolvers/spec-inputs.js';
import { makeEnv, NOW, rejection, type Env } from './helpers.js';

let env: Env;
beforeEach(async () => {
  env = await makeEnv();
  await applyQuerySpecs(env.admin, [
    { name: 'uptime', query: 'SELECT * FROM uptime;' },
    { name: 'users', query: 'SELECT * FROM users;' },
  ]);
  await applyLabelSpecs(env.admin, [{ name: 'servers', query: 'SELECT 1;' }]);
});

describe('preparePackSpecs', () => {
  it('normalizes absent fields and names a scheduled query after its query', async () => {
    const [spec] = await preparePackSpecs(env.admin, [{ name: 'p', queries: [{ query: 'uptime', interval: 60 }] }]);
    expect(spec).toEqual({
      name: 'p',
      description: '',
      platform: '',
      disabled: false,
      targets: { labels: [], teams: [] },
      queries: [
        {
          query: 'uptime',
          name: 'uptime',
          description: '',
          interval: 60,
          snapshot: null,
          removed: null,
          shard: null,
          platform: null,
          version: null,
          denylist: null,
        },
      ],
    });
  });

  it('drops repeated target names', async () => {
    const [spec] = await preparePackSpecs(env.admin, [{ name: 'p', targets: { labels: ['servers', 'servers'] } }]);
    expect(spec!.targets.labels).toEqual(['servers']);
  });

  it('refuses an empty pack name with a 422 naming "name"', async () => {
    const e = await rejection(preparePackSpecs(env.admin, [{ name: ' ' }]), ValidationError);
    expect(e.invalid).toEqual([{ name: 'name', reason: 'pack name must not be empty' }]);
  });

  it('refuses a query that names no saved query', async () => {
    const e = await rejection(preparePackSpecs(env.admin, [{ name: 'p', queries: [{ query: 'nope' }] }]), ValidationError);
    expect(e.invalid).toEqual([{ name: 'queries', reason: "cannot schedule unknown query 'nope'" }]);
  });

  it('refuses scheduling the same name twice in one pack', async () => {
    const e = await rejection(
      preparePackSpecs(env.admin, [{ name: 'p', queries: [{ query: 'uptime' }, { query: 'users', name: 'uptime' }] }]),
      ValidationError,
    );
    expect(e.invalid).toEqual([{ name: 'queries', reason: "pack 'p' schedules 'uptime' twice" }]);
  });

  it('allows the same query twice under different names', async () => {
    const [spec] = await preparePackSpecs(env.admin, [
      { name: 'p', queries: [{ query: 'uptime' }, { query: 'uptime', name: 'uptime-2' }] },
    ]);
    expect(spec!.queries.map((q) => q.name)).toEqual(['uptime', 'uptime-2']);
  });

  it('refuses unknown label and team targets', async () => {
    const e = await rejection(
      preparePackSpecs(env.admin, [{ name: 'p', targets: { labels: ['nope'], teams: ['ghost'] } }]),
      ValidationError,
    );
    expect(e.invalid).toEqual([
      { name: 'targets', reason: "unknown label 'nope'" },
      { name: 'targets', reason: "unknown team 'ghost'" },
    ]);
  });

  it('reports every problem of every spec at once', async () => {
    const e = await rejection(
      preparePackSpecs(env.admin, [{ name: '', queries: [{ query: 'x' }] }, { name: 'q', targets: { labels: ['y'] } }]),
      ValidationError,
    );
    expect(e.invalid.map((i) => i.name)).toEqual(['name', 'queries', 'targets']);
  });

  it('accepts queries, labels and teams that the same apply defines', async () => {
    const defined = emptyPlanNames();
    defined.queries.add('new-query');
    defined.labels.add('new-label');
    defined.teams.add('new-team');
    const specs = await preparePackSpecs(
      env.admin,
      [{ name: 'p', queries: [{ query: 'new-query' }], targets: { labels: ['new-label'], teams: ['new-team'] } }],
      defined,
    );
    expect(specs).toHaveLength(1);
  });

  it.each(['observer', 'observer_plus'] as const)('is forbidden to a global %s', async (role) => {
    await expect(preparePackSpecs(await env.as(role), [{ name: 'p' }])).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('applyPackSpecs', () => {
  it('creates a pack with its scheduled queries and targets', async () => {
    const teamId = await env.team('Team A');
    const result = await applyPackSpecs(env.admin, [
      {
        name: 'p',
        description: 'd',
        platform: 'darwin',
        targets: { labels: ['servers'], teams: ['Team A'] },
        queries: [{ query: 'uptime', interval: 60, snapshot: true, shard: 10 }],
      },
    ]);
    expect(result).toEqual({ packs: { created: 1, updated: 0 } });
    const pack = await getPack(env.admin, 'p');
    const label = (await env.store.labels.byName('servers'))!;
    expect(pack).toMatchObject({
      name: 'p',
      description: 'd',
      platform: 'darwin',
      disabled: false,
      labelIds: [label.id],
      teamIds: [teamId],
      hostIds: [],
      createdAt: NOW,
    });
    const [sq] = await scheduledQueriesOf(env.admin, [pack.id]);
    expect(sq).toMatchObject({ packId: pack.id, queryName: 'uptime', name: 'uptime', interval: 60, snapshot: true, shard: 10, removed: null });
  });

  it('replaces the scheduled queries and targets of an existing pack', async () => {
    await applyPackSpecs(env.admin, [{ name: 'p', targets: { labels: ['servers'] }, queries: [{ query: 'uptime' }] }]);
    const before = await getPack(env.admin, 'p');
    const result = await applyPackSpecs(env.admin, [{ name: 'p', disabled: true, queries: [{ query: 'users', interval: 5 }] }]);
    expect(result).toEqual({ packs: { created: 0, updated: 1 } });
    const after = await getPack(env.admin, 'p');
    expect(after.id).toBe(before.id);
    expect(after.disabled).toBe(true);
    expect(after.labelIds).toEqual([]);
    expect((await scheduledQueriesOf(env.admin, [after.id])).map((q) => [q.queryName, q.interval])).toEqual([['users', 5]]);
  });

  it('writes nothing when one spec of several is invalid', async () => {
    await rejection(applyPackSpecs(env.admin, [{ name: 'good' }, { name: 'bad', queries: [{ query: 'nope' }] }]), ValidationError);
    expect(await listPacks(env.admin)).toEqual([]);
  });

  it('is allowed to a global gitops user', async () => {
    await expect(applyPackSpecs(await env.as('gitops'), [{ name: 'p' }])).resolves.toEqual({ packs: { created: 1, updated: 0 } });
  });

  it('is forbidden to a team admin', async () => {
    await expect(applyPackSpecs(await env.asTeam('Team A', 'admin'), [{ name: 'p' }])).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('listPacks', () => {
  it('lists packs in creation order', async () => {
    await applyPackSpecs(env.admin, [{ name: 'b' }, { name: 'a' }]);
    expect((await listPacks(env.admin)).map((p) => p.name)).toEqual(['b', 'a']);
  });

  it('is forbidden to a global observer', async () => {
    await expect(listPacks(await env.as('observer'))).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('requires a viewer', async () => {
    await expect(listPacks(env.anonymous)).rejects.toBeInstanceOf(AuthRequiredError);
  });
});

describe('getPack', () => {
  it("answers NotFoundError with Fleet's text for an unknown name", async () => {
    const e = await rejection(getPack(env.admin, 'nope'), NotFoundError);
    expect(e.message).toBe('Pack nope was not found in the datastore');
  });

  it('is forbidden to a global observer even for an unknown pack', async () => {
    await expect(getPack(await env.as('observer'), 'nope')).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('scheduledQueriesOf', () => {
  it('answers the scheduled queries of several packs in one call', async () => {
    await applyPackSpecs(env.admin, [
      { name: 'p1', queries: [{ query: 'uptime' }] },
      { name: 'p2', queries: [{ query: 'users' }, { query: 'uptime', name: 'u2' }] },
    ]);
    const packs = await listPacks(env.admin);
    const all = await scheduledQueriesOf(
      env.admin,
      packs.map((p) => p.id),
    );
    expect(all.map((q) => q.name)).toEqual(['uptime', 'users', 'u2']);
  });

  it('answers an empty list for no packs', async () => {
    expect(await scheduledQueriesOf(env.admin, [])).toEqual([]);
  });
});

describe('packDetails', () => {
  it('joins each pack with its scheduled queries and target names', async () => {
    await env.team('Team A');
    await applyPackSpecs(env.admin, [
      { name: 'p1', targets: { labels: ['servers'], teams: ['Team A'] }, queries: [{ query: 'uptime' }] },
      { name: 'p2', queries: [{ query: 'users' }] },
    ]);
    const details = await packDetails(env.admin, await listPacks(env.admin));
    expect(
      details.map((d) => ({ pack: d.pack.name, queries: d.queries.map((q) => q.name), labels: d.labelNames, teams: d.teamNames })),
    ).toEqual([
      { pack: 'p1', queries: ['uptime'], labels: ['servers'], teams: ['Team A'] },
      { pack: 'p2', queries: ['users'], labels: [], teams: [] },
    ]);
  });

  it('answers an empty list for no packs', async () => {
    expect(await packDetails(env.admin, [])).toEqual([]);
  });
});
