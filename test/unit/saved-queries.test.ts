import { beforeEach, describe, expect, it } from 'vitest';
import { AuthRequiredError, BadRequestError, ForbiddenError, NotFoundError } from '../../resolvers/errors.js';
import {
  applyQuerySpecs,
  getSavedQuery,
  listSavedQueries,
  prepareQuerySpecs,
  savedQueriesByIds,
} from '../../resolvers/saved-queries.js';
import { makeCtx, makeEnv, NOW, rejection, type Env } from './helpers.js';

let env: Env;
beforeEach(async () => {
  env = await makeEnv();
});

describe('prepareQuerySpecs', () => {
  it('fills the defaults of absent fields', () => {
    expect(prepareQuerySpecs(env.admin, [{ name: 'q', query: 'SELECT 1;' }])).toEqual([
      {
        name: 'q',
        query: 'SELECT 1;',
        description: '',
        observerCanRun: false,
        platform: '',
        minOsqueryVersion: '',
        interval: 0,
        automationsEnabled: false,
        logging: 'snapshot',
      },
    ]);
  });

  it('keeps the last spec of each name', () => {
    const specs = prepareQuerySpecs(env.admin, [
      { name: 'a', query: 'SELECT 1;' },
      { name: 'a', query: 'SELECT 3;' },
    ]);
    expect(specs.map((s) => [s.name, s.query])).toEqual([['a', 'SELECT 3;']]);
  });

  it('keeps the last spec of each name, in first-seen order', () => {
    const specs = prepareQuerySpecs(env.admin, [
      { name: 'a', query: 'SELECT 1;' },
      { name: 'b', query: 'SELECT 2;' },
      { name: 'a', query: 'SELECT 3;' },
    ]);
    expect(specs.map((s) => [s.name, s.query])).toEqual([
      ['a', 'SELECT 3;'],
      ['b', 'SELECT 2;'],
    ]);
  });

  it.each([
    ['a blank name', { name: '  ', query: 'SELECT 1;' }, 'query payload verification: query name cannot be empty'],
    ['a missing name', { query: 'SELECT 1;' }, 'query payload verification: query name cannot be empty'],
    ['a blank SQL', { name: 'q', query: ' \n' }, "query payload verification: query's SQL query cannot be empty"],
    ['an ATTACH statement', { name: 'q', query: "ATTACH '/tmp/x.db' AS x;" }, "query payload verification: invalid query's SQL"],
    ['a lower-case attach', { name: 'q', query: "select 1; attach 'f' as y" }, "query payload verification: invalid query's SQL"],
  ])('refuses %s with a 400', (_, spec, message) => {
    try {
      prepareQuerySpecs(env.admin, [spec]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BadRequestError);
      expect((e as BadRequestError).message).toBe(message);
      expect((e as BadRequestError).invalid).toEqual([{ name: 'base', reason: message }]);
    }
  });

  it('accepts SQL that merely mentions attach', () => {
    expect(() => prepareQuerySpecs(env.admin, [{ name: 'q', query: 'SELECT * FROM attached_devices;' }])).not.toThrow();
  });

  it.each(['observer', 'observer_plus'] as const)('is forbidden to a global %s', async (role) => {
    const ctx = await env.as(role);
    expect(() => prepareQuerySpecs(ctx, [{ name: 'q', query: 'SELECT 1;' }])).toThrow(ForbiddenError);
  });

  it('is forbidden to a team admin', async () => {
    const ctx = await env.asTeam('Team A', 'admin');
    expect(() => prepareQuerySpecs(ctx, [])).toThrow(ForbiddenError);
  });

  it('checks authorization before validation', async () => {
    const ctx = await env.as('observer');
    expect(() => prepareQuerySpecs(ctx, [{ name: '' }])).toThrow(ForbiddenError);
  });
});

describe('applyQuerySpecs', () => {
  it('creates saved queries authored by the viewer', async () => {
    const result = await applyQuerySpecs(env.admin, [{ name: 'uptime', query: 'SELECT * FROM uptime;', description: 'how long' }]);
    expect(result).toEqual({ queries: { created: 1, updated: 0 } });
    const q = await getSavedQuery(env.admin, 'uptime');
    expect(q).toMatchObject({
      name: 'uptime',
      query: 'SELECT * FROM uptime;',
      description: 'how long',
      authorId: env.admin.viewer!.user.id,
      createdAt: NOW,
      updatedAt: NOW,
    });
  });

  it('updates an existing query in place, keeping its id and creation time', async () => {
    await applyQuerySpecs(env.admin, [{ name: 'q', query: 'SELECT 1;', observerCanRun: true }]);
    const before = await getSavedQuery(env.admin, 'q');
    const later = new Date(NOW.getTime() + 60_000);
    env.deps.setNow(later);
    const maintainer = await env.as('maintainer');
    const result = await applyQuerySpecs(maintainer, [{ name: 'q', query: 'SELECT 2;' }]);
    expect(result).toEqual({ queries: { created: 0, updated: 1 } });
    const after = await getSavedQuery(env.admin, 'q');
    expect(after.id).toBe(before.id);
    expect(after.query).toBe('SELECT 2;');
    expect(after.authorId).toBe(maintainer.viewer!.user.id);
    expect(after.createdAt).toEqual(NOW);
    expect(after.updatedAt).toEqual(later);
  });

  it('resets observer_can_run when a later spec omits it', async () => {
    await applyQuerySpecs(env.admin, [{ name: 'q', query: 'SELECT 1;', observerCanRun: true }]);
    await applyQuerySpecs(env.admin, [{ name: 'q', query: 'SELECT 1;' }]);
    expect((await getSavedQuery(env.admin, 'q')).observerCanRun).toBe(false);
  });

  it('leaves queries missing from the list untouched', async () => {
    await applyQuerySpecs(env.admin, [{ name: 'a', query: 'SELECT 1;' }]);
    await applyQuerySpecs(env.admin, [{ name: 'b', query: 'SELECT 2;' }]);
    expect((await listSavedQueries(env.admin)).map((q) => q.name)).toEqual(['a', 'b']);
  });

  it('writes nothing when any spec is invalid', async () => {
    await rejection(
      applyQuerySpecs(env.admin, [
        { name: 'good', query: 'SELECT 1;' },
        { name: 'bad', query: '' },
      ]),
      BadRequestError,
    );
    expect(await listSavedQueries(env.admin)).toEqual([]);
  });

  it('is a no-op for an empty list', async () => {
    expect(await applyQuerySpecs(env.admin, [])).toEqual({ queries: { created: 0, updated: 0 } });
  });

  it('is allowed to a global gitops user', async () => {
    await expect(applyQuerySpecs(await env.as('gitops'), [{ name: 'q', query: 'SELECT 1;' }])).resolves.toBeDefined();
  });

  it('is forbidden to a global observer', async () => {
    await expect(applyQuerySpecs(await makeCtx('observer'), [{ name: 'q', query: 'SELECT 1;' }])).rejects.toBeInstanceOf(
      ForbiddenError,
    );
  });
});

describe('listSavedQueries', () => {
  it('lists every saved query in creation order', async () => {
    await applyQuerySpecs(env.admin, [
      { name: 'b', query: 'SELECT 2;' },
      { name: 'a', query: 'SELECT 1;' },
    ]);
    expect((await listSavedQueries(env.admin)).map((q) => q.name)).toEqual(['b', 'a']);
  });

  it('answers an empty list when there are none', async () => {
    expect(await listSavedQueries(env.admin)).toEqual([]);
  });

  it.each(['observer', 'observer_plus', 'gitops'] as const)('is readable by a global %s', async (role) => {
    await expect(listSavedQueries(await env.as(role))).resolves.toEqual([]);
  });

  it('is readable by any team member', async () => {
    await expect(listSavedQueries(await env.asTeam('Team A', 'observer'))).resolves.toEqual([]);
  });

  it('requires a viewer', async () => {
    await expect(listSavedQueries(env.anonymous)).rejects.toBeInstanceOf(AuthRequiredError);
  });
});

describe('getSavedQuery', () => {
  it('answers NotFoundError with Fleet\'s text for an unknown name', async () => {
    const e = await rejection(getSavedQuery(env.admin, 'nope'), NotFoundError);
    expect(e.message).toBe('Query nope was not found in the datastore');
    expect(e.httpStatus).toBe(404);
  });

  it('answers 404, not 403, to an observer asking for an unknown query', async () => {
    await expect(getSavedQuery(await env.as('observer'), 'nope')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('savedQueriesByIds', () => {
  it('answers the queries with those ids, ignoring unknown ids', async () => {
    await applyQuerySpecs(env.admin, [
      { name: 'a', query: 'SELECT 1;' },
      { name: 'b', query: 'SELECT 2;' },
    ]);
    const a = await getSavedQuery(env.admin, 'a');
    expect((await savedQueriesByIds(env.admin, [a.id, 9999])).map((q) => q.name)).toEqual(['a']);
  });

  it('answers an empty list for no ids', async () => {
    expect(await savedQueriesByIds(env.admin, [])).toEqual([]);
  });
});
