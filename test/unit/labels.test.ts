import { beforeEach, describe, expect, it } from 'vitest';
import { AuthRequiredError, ForbiddenError, NotFoundError, UnprocessableError, ValidationError } from '../../resolvers/errors.js';
import {
  applyLabelSpecs,
  getLabel,
  labelHostnames,
  labelSpec,
  labelSpecs,
  labelsByIds,
  listLabels,
  prepareLabelSpecs,
} from '../../resolvers/labels.js';
import { makeEnv, NOW, rejection, type Env } from './helpers.js';

const BUILTINS = ['All Hosts', 'macOS', 'Ubuntu Linux', 'CentOS Linux', 'MS Windows', 'Red Hat Linux', 'All Linux'];

let env: Env;
beforeEach(async () => {
  env = await makeEnv();
});

describe('prepareLabelSpecs', () => {
  it('normalizes a dynamic label, which carries no host list', async () => {
    expect(await prepareLabelSpecs(env.admin, [{ name: 'l', query: 'SELECT 1;' }])).toEqual([
      { name: 'l', description: '', query: 'SELECT 1;', platform: '', labelMembershipType: 'dynamic', hosts: null },
    ]);
  });

  it('keeps the host list of a manual label', async () => {
    const [spec] = await prepareLabelSpecs(env.admin, [{ name: 'm', labelMembershipType: 'manual', hosts: ['h1', 'h2'] }]);
    expect(spec!.hosts).toEqual(['h1', 'h2']);
  });

  it('accepts a manual label with an empty host list', async () => {
    const [spec] = await prepareLabelSpecs(env.admin, [{ name: 'm', labelMembershipType: 'manual', hosts: [] }]);
    expect(spec!.hosts).toEqual([]);
  });

  it('accepts a dynamic label with an empty query, as Fleet does', async () => {
    await expect(prepareLabelSpecs(env.admin, [{ name: 'l' }])).resolves.toHaveLength(1);
  });

  it('accepts a dynamic label with an empty host list', async () => {
    await expect(prepareLabelSpecs(env.admin, [{ name: 'l', hosts: [] }])).resolves.toHaveLength(1);
  });

  it('refuses an empty name with a 422 naming "name"', async () => {
    const e = await rejection(prepareLabelSpecs(env.admin, [{ name: ' ', query: 'SELECT 1;' }]), ValidationError);
    expect(e.invalid).toEqual([{ name: 'name', reason: 'label name must not be empty' }]);
  });

  it.each(BUILTINS)('refuses to modify the built-in label %s', async (name) => {
    const e = await rejection(prepareLabelSpecs(env.admin, [{ name, query: 'SELECT 2;' }]), UnprocessableError);
    expect(e.message).toBe(`cannot modify built-in label '${name}'`);
    expect(e.httpStatus).toBe(422);
    expect(e.fleetMessage).toBe('Unprocessable Entity');
  });

  it('refuses a spec that declares itself built-in', async () => {
    const e = await rejection(prepareLabelSpecs(env.admin, [{ name: 'new', labelType: 'builtin' }]), UnprocessableError);
    expect(e.message).toBe("cannot modify built-in label 'new'");
  });

  it('refuses a dynamic label that lists hosts', async () => {
    const e = await rejection(prepareLabelSpecs(env.admin, [{ name: 'l', hosts: ['h1'] }]), UnprocessableError);
    expect(e.message).toBe('label l is declared as dynamic but contains `hosts` key');
  });

  it('refuses a manual label without a host list', async () => {
    const e = await rejection(prepareLabelSpecs(env.admin, [{ name: 'm', labelMembershipType: 'manual' }]), UnprocessableError);
    expect(e.message).toBe('label m is declared as manual but contains no `hosts key`');
  });

  it('keeps the last spec of each name', async () => {
    const specs = await prepareLabelSpecs(env.admin, [
      { name: 'l', query: 'SELECT 1;' },
      { name: 'l', query: 'SELECT 2;' },
    ]);
    expect(specs.map((s) => s.query)).toEqual(['SELECT 2;']);
  });

  it.each(['observer', 'observer_plus'] as const)('is forbidden to a global %s', async (role) => {
    await expect(prepareLabelSpecs(await env.as(role), [{ name: 'l' }])).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('is forbidden to a team admin', async () => {
    await expect(prepareLabelSpecs(await env.asTeam('Team A', 'admin'), [{ name: 'l' }])).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('applyLabelSpecs', () => {
  it('creates a regular label', async () => {
    const result = await applyLabelSpecs(env.admin, [{ name: 'l', description: 'd', query: 'SELECT 1;', platform: 'darwin' }]);
    expect(result).toEqual({ labels: { created: 1, updated: 0 } });
    expect(await getLabel(env.admin, 'l')).toMatchObject({
      name: 'l',
      description: 'd',
      query: 'SELECT 1;',
      platform: 'darwin',
      labelType: 'regular',
      labelMembershipType: 'dynamic',
      createdAt: NOW,
    });
  });

  it('overwrites an existing label by name, keeping its id', async () => {
    await applyLabelSpecs(env.admin, [{ name: 'l', query: 'SELECT 1;' }]);
    const before = await getLabel(env.admin, 'l');
    const result = await applyLabelSpecs(env.admin, [{ name: 'l', query: 'SELECT 2;', labelMembershipType: 'manual', hosts: [] }]);
    expect(result).toEqual({ labels: { created: 0, updated: 1 } });
    const after = await getLabel(env.admin, 'l');
    expect(after.id).toBe(before.id);
    expect(after.query).toBe('SELECT 2;');
    expect(after.labelMembershipType).toBe('manual');
  });

  it("makes the named hosts a manual label's members", async () => {
    await env.host('web-2');
    await env.host('web-1');
    await env.host('db-1');
    await applyLabelSpecs(env.admin, [{ name: 'web', labelMembershipType: 'manual', hosts: ['web-1', 'web-2', 'nowhere'] }]);
    const label = await getLabel(env.admin, 'web');
    expect(await labelHostnames(env.admin, [label.id])).toEqual(new Map([[label.id, ['web-1', 'web-2']]]));
  });

  it("replaces a manual label's members on re-apply, and clears them for an empty list", async () => {
    await env.host('a');
    await env.host('b');
    await applyLabelSpecs(env.admin, [{ name: 'm', labelMembershipType: 'manual', hosts: ['a'] }]);
    const { id } = await getLabel(env.admin, 'm');
    await applyLabelSpecs(env.admin, [{ name: 'm', labelMembershipType: 'manual', hosts: ['b'] }]);
    expect((await labelHostnames(env.admin, [id])).get(id)).toEqual(['b']);
    await applyLabelSpecs(env.admin, [{ name: 'm', labelMembershipType: 'manual', hosts: [] }]);
    expect((await labelHostnames(env.admin, [id])).get(id)).toEqual([]);
  });

  it('silently ignores hostnames that match no host', async () => {
    await applyLabelSpecs(env.admin, [{ name: 'm', labelMembershipType: 'manual', hosts: ['nowhere'] }]);
    const label = await getLabel(env.admin, 'm');
    expect(await labelHostnames(env.admin, [label.id])).toEqual(new Map([[label.id, []]]));
  });

  it('writes nothing when one spec of several is refused', async () => {
    await rejection(applyLabelSpecs(env.admin, [{ name: 'good' }, { name: 'All Hosts' }]), UnprocessableError);
    await expect(getLabel(env.admin, 'good')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('is allowed to a global gitops user', async () => {
    await expect(applyLabelSpecs(await env.as('gitops'), [{ name: 'l' }])).resolves.toEqual({ labels: { created: 1, updated: 0 } });
  });
});

describe('listLabels', () => {
  it('lists the built-in labels first, then regular ones', async () => {
    await applyLabelSpecs(env.admin, [{ name: 'mine' }]);
    const labels = await listLabels(env.admin);
    expect(labels.map((l) => l.name)).toEqual([...BUILTINS, 'mine']);
    expect(labels.slice(0, BUILTINS.length).every((l) => l.labelType === 'builtin')).toBe(true);
  });

  it.each(['observer', 'observer_plus'] as const)('is readable by a global %s', async (role) => {
    await expect(listLabels(await env.as(role))).resolves.toHaveLength(BUILTINS.length);
  });

  it('is readable by a team observer', async () => {
    await expect(listLabels(await env.asTeam('Team A', 'observer'))).resolves.toHaveLength(BUILTINS.length);
  });

  it('is forbidden to a global gitops user', async () => {
    await expect(listLabels(await env.as('gitops'))).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('requires a viewer', async () => {
    await expect(listLabels(env.anonymous)).rejects.toBeInstanceOf(AuthRequiredError);
  });
});

describe('getLabel', () => {
  it('answers a built-in label', async () => {
    expect((await getLabel(env.admin, 'All Hosts')).labelType).toBe('builtin');
  });

  it("answers NotFoundError with Fleet's text for an unknown name", async () => {
    const e = await rejection(getLabel(env.admin, 'nope'), NotFoundError);
    expect(e.message).toBe('Label nope was not found in the datastore');
  });
});

describe('labelsByIds', () => {
  it('answers the labels with those ids', async () => {
    const all = await listLabels(env.admin);
    const ids = all.slice(0, 2).map((l) => l.id);
    expect((await labelsByIds(env.admin, ids)).map((l) => l.name).sort()).toEqual(['All Hosts', 'macOS'].sort());
  });

  it('answers an empty list for no ids', async () => {
    expect(await labelsByIds(env.admin, [])).toEqual([]);
  });
});

describe('labelHostnames', () => {
  it('answers an empty member list for every label asked about', async () => {
    const [a, b] = (await listLabels(env.admin)).map((l) => l.id);
    expect(await labelHostnames(env.admin, [a!, b!])).toEqual(
      new Map([
        [a, []],
        [b, []],
      ]),
    );
  });

  it('is forbidden to a global gitops user', async () => {
    await expect(labelHostnames(await env.as('gitops'), [])).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("lists only the member hosts of the caller's teams", async () => {
    const a = await env.team('Team A');
    const b = await env.team('Team B');
    await env.host('a-1', a);
    await env.host('b-1', b);
    await env.host('none-1');
    await applyLabelSpecs(env.admin, [{ name: 'm', labelMembershipType: 'manual', hosts: ['a-1', 'b-1', 'none-1'] }]);
    const { id } = await getLabel(env.admin, 'm');
    expect((await labelHostnames(await env.asTeam('Team A', 'maintainer'), [id])).get(id)).toEqual(['a-1']);
    expect((await labelHostnames(await env.asTeam('Team A', 'observer'), [id])).get(id)).toEqual([]);
    expect((await labelHostnames(env.admin, [id])).get(id)).toEqual(['a-1', 'b-1', 'none-1']);
  });
});

describe('labelSpecs and labelSpec', () => {
  it('list the member hostnames of manual labels and no host list for dynamic ones', async () => {
    await env.host('web-1');
    await applyLabelSpecs(env.admin, [
      { name: 'dyn', query: 'SELECT 1;' },
      { name: 'man', labelMembershipType: 'manual', hosts: ['web-1'] },
      { name: 'empty', labelMembershipType: 'manual', hosts: [] },
    ]);
    const views = await labelSpecs(env.admin);
    expect(views.map((v) => [v.label.name, v.hosts])).toEqual([
      ...BUILTINS.map((name) => [name, null]),
      ['dyn', null],
      ['man', ['web-1']],
      ['empty', []],
    ]);
    expect(await labelSpec(env.admin, 'man')).toEqual({ label: await getLabel(env.admin, 'man'), hosts: ['web-1'] });
    expect((await labelSpec(env.admin, 'dyn')).hosts).toBeNull();
  });

  it("list every member, as Fleet's spec does, for a team member too", async () => {
    const b = await env.team('Team B');
    await env.host('b-1', b);
    await applyLabelSpecs(env.admin, [{ name: 'man', labelMembershipType: 'manual', hosts: ['b-1'] }]);
    expect((await labelSpec(await env.asTeam('Team A', 'observer'), 'man')).hosts).toEqual(['b-1']);
  });

  it('answer NotFoundError for an unknown name and are forbidden to a global gitops user', async () => {
    await rejection(labelSpec(env.admin, 'nope'), NotFoundError);
    await expect(labelSpecs(await env.as('gitops'))).rejects.toBeInstanceOf(ForbiddenError);
  });
});
