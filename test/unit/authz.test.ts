import { beforeAll, describe, expect, it } from 'vitest';
import { authorize, can, requireViewer, type Permission } from '../../resolvers/authz.js';
import type { Ctx } from '../../resolvers/context.js';
import { AuthRequiredError, ForbiddenError } from '../../resolvers/errors.js';
import { GLOBAL_ROLES, type Role } from '../../resolvers/model.js';
import { makeEnv, type Env } from './helpers.js';

type Expectation = {
  /** Global roles that hold the permission. */
  global: readonly Role[];
  /** Team roles that hold it; none when global-only. */
  team: readonly Role[];
  /** 'own': only on the team the role is held on; 'any': a role on any team suffices. */
  scope: 'any' | 'own';
};

const ALL = GLOBAL_ROLES;
const NO_GITOPS: readonly Role[] = ['admin', 'maintainer', 'observer', 'observer_plus'];
const WRITERS: readonly Role[] = ['admin', 'maintainer', 'gitops'];

/**
 * fleet-behavior.md §1.6, one row per permission. Rows §1.6 does not list (team read, policy read,
 * app config write, user admin) follow Fleet's policy.rego as summarized in resolvers/authz.ts.
 */
const TABLE: Record<Permission, Expectation> = {
  // GET spec/queries: every global role; any team role (global queries).
  'query:read': { global: ALL, team: ALL, scope: 'any' },
  // POST spec/queries: admin, maintainer, gitops; team roles only for team queries [later].
  'query:write': { global: WRITERS, team: [], scope: 'any' },
  // spec/packs read & write: admin, maintainer, gitops; no team role.
  'pack:read': { global: WRITERS, team: [], scope: 'any' },
  'pack:write': { global: WRITERS, team: [], scope: 'any' },
  // GET spec/labels: all but gitops; any team role.
  'label:read': { global: NO_GITOPS, team: ALL, scope: 'any' },
  // POST spec/labels: admin, maintainer, gitops; no team role.
  'label:write': { global: WRITERS, team: [], scope: 'any' },
  // Teams: every global role reads all; team members read their own.
  'team:read': { global: ALL, team: ALL, scope: 'own' },
  // POST spec/teams: creating needs global admin or gitops.
  'team:create': { global: ['admin', 'gitops'], team: [], scope: 'any' },
  // ...editing also a team admin of that team.
  'team:write': { global: ['admin', 'gitops'], team: ['admin'], scope: 'own' },
  // spec/enroll_secret GET: global admin and maintainer only.
  'enroll_secret:read': { global: ['admin', 'maintainer'], team: [], scope: 'any' },
  // spec/enroll_secret POST: admin, maintainer, gitops.
  'enroll_secret:write': { global: WRITERS, team: [], scope: 'any' },
  // download_installer (enroll_secret read on a team): team admin/maintainer of that team.
  'team_secret:read': { global: ['admin', 'maintainer'], team: ['admin', 'maintainer'], scope: 'own' },
  // download_installer (enroll_secret read): global or team admin/maintainer; the secret's own
  // scope is then checked with enroll_secret:read or team_secret:read.
  'installer:read': { global: ['admin', 'maintainer'], team: ['admin', 'maintainer'], scope: 'any' },
  'policy:read': { global: ALL, team: ALL, scope: 'any' },
  // spec/policies (global): admin, maintainer, gitops.
  'policy:write': { global: WRITERS, team: [], scope: 'any' },
  'team_policy:read': { global: ALL, team: ALL, scope: 'own' },
  // team admin/maintainer(/gitops) for `team:` policies.
  'team_policy:write': { global: WRITERS, team: WRITERS, scope: 'own' },
  // status/live_query, status/result_store: every role.
  'app_config:read': { global: ALL, team: ALL, scope: 'any' },
  'app_config:write': { global: ['admin'], team: [], scope: 'any' },
  'user:read': { global: ['admin'], team: [], scope: 'any' },
  'user:write': { global: ['admin'], team: [], scope: 'any' },
  // targets / targets/count / hosts/search: all but gitops; any team role.
  'target:read': { global: NO_GITOPS, team: ALL, scope: 'any' },
  // queries/run: ad-hoc SQL needs run_new (not observers); saved queries need run, observers only
  // when the query has observer_can_run (query:run_observer).
  'query:run_new': { global: ['admin', 'maintainer', 'observer_plus'], team: ['admin', 'maintainer', 'observer_plus'], scope: 'any' },
  'query:run': { global: ['admin', 'maintainer', 'observer_plus'], team: ['admin', 'maintainer', 'observer_plus'], scope: 'any' },
  'query:run_observer': { global: NO_GITOPS, team: NO_GITOPS, scope: 'any' },
  // Hosts: readable by every role but gitops; which hosts is the visibility filter's business.
  'host:read': { global: NO_GITOPS, team: ALL, scope: 'any' },
};

const PERMISSIONS = Object.keys(TABLE) as Permission[];

let env: Env;
let teamA: number;
let teamB: number;
const globalCtx = new Map<Role, Ctx>();
const teamCtx = new Map<Role, Ctx>();

beforeAll(async () => {
  env = await makeEnv();
  teamA = await env.team('Team A');
  teamB = await env.team('Team B');
  for (const role of GLOBAL_ROLES) {
    globalCtx.set(role, role === 'admin' ? env.admin : await env.as(role));
    teamCtx.set(role, await env.as(null, [{ teamId: teamA, role }]));
  }
});

const globalCases = PERMISSIONS.flatMap((permission) =>
  GLOBAL_ROLES.map((role) => ({ permission, role, allowed: TABLE[permission].global.includes(role) })),
);
const teamCases = PERMISSIONS.flatMap((permission) =>
  GLOBAL_ROLES.map((role) => ({ permission, role, allowed: TABLE[permission].team.includes(role), scope: TABLE[permission].scope })),
);

describe('can', () => {
  it.each(globalCases)('global $role: $permission is allowed=$allowed', ({ permission, role, allowed }) => {
    const viewer = globalCtx.get(role)!.viewer!;
    expect(can(viewer, permission)).toBe(allowed);
    expect(can(viewer, permission, teamA)).toBe(allowed);
    expect(can(viewer, permission, teamB)).toBe(allowed);
  });

  it.each(teamCases)('team $role: $permission on its own team is allowed=$allowed', ({ permission, role, allowed }) => {
    expect(can(teamCtx.get(role)!.viewer!, permission, teamA)).toBe(allowed);
  });

  it.each(teamCases)(
    'team $role: $permission on another team follows its $scope scope',
    ({ permission, role, allowed, scope }) => {
      const viewer = teamCtx.get(role)!.viewer!;
      expect(can(viewer, permission, teamB)).toBe(scope === 'any' && allowed);
      expect(can(viewer, permission)).toBe(scope === 'any' && allowed);
    },
  );

  it('grants a user with roles on several teams what any of its roles on that team grants', async () => {
    const ctx = await env.as(null, [
      { teamId: teamA, role: 'observer' },
      { teamId: teamB, role: 'admin' },
    ]);
    expect(can(ctx.viewer!, 'team:write', teamB)).toBe(true);
    expect(can(ctx.viewer!, 'team:write', teamA)).toBe(false);
    expect(can(ctx.viewer!, 'team_secret:read', teamA)).toBe(false);
  });

  it('grants nothing to a user with neither a global role nor a team', async () => {
    const ctx = await env.as(null, []);
    for (const permission of PERMISSIONS) expect(can(ctx.viewer!, permission, teamA)).toBe(false);
  });
});

describe('authorize', () => {
  it('returns the viewer when the permission is held', () => {
    expect(authorize(env.admin, 'user:write')).toBe(env.admin.viewer);
  });

  it('throws ForbiddenError when the permission is not held', () => {
    expect(() => authorize(globalCtx.get('observer')!, 'query:write')).toThrow(ForbiddenError);
  });

  it('checks own-scope permissions against the given team', () => {
    const ctx = teamCtx.get('admin')!;
    expect(authorize(ctx, 'team:write', teamA)).toBe(ctx.viewer);
    expect(() => authorize(ctx, 'team:write', teamB)).toThrow(ForbiddenError);
  });

  it('throws AuthRequiredError before checking roles when there is no viewer', () => {
    expect(() => authorize(env.anonymous, 'query:read')).toThrow(AuthRequiredError);
  });

  it('carries 403 and the message "forbidden"', () => {
    try {
      authorize(globalCtx.get('gitops')!, 'label:read');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ForbiddenError);
      expect((e as ForbiddenError).httpStatus).toBe(403);
      expect((e as ForbiddenError).invalid).toEqual([{ name: 'base', reason: 'forbidden' }]);
    }
  });
});

describe('requireViewer', () => {
  it('returns the signed-in viewer', () => {
    expect(requireViewer(env.admin).user.email).toBe('admin@example.com');
  });

  it('throws AuthRequiredError without a viewer', () => {
    expect(() => requireViewer(env.anonymous)).toThrow(AuthRequiredError);
  });
});
