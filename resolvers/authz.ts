/**
 * The only place roles are checked, following Fleet's role table (fleet-behavior.md §1.6).
 * A permission names what is done; the rule says which global roles and which team roles may do it.
 */
import { AuthRequiredError, ForbiddenError } from './errors.js';
import type { Ctx } from './context.js';
import type { Role, Viewer } from './model.js';

type Rule = {
  global: readonly Role[];
  /** Team roles that grant it; 'own' rules need the role on the resource's team. */
  team?: readonly Role[];
  scope?: 'any' | 'own';
};

const ALL: readonly Role[] = ['admin', 'maintainer', 'observer', 'observer_plus', 'gitops'];
const READERS: readonly Role[] = ['admin', 'maintainer', 'observer', 'observer_plus'];
const WRITERS: readonly Role[] = ['admin', 'maintainer', 'gitops'];

const RULES = {
  'query:read': { global: ALL, team: ALL, scope: 'any' },
  'query:write': { global: WRITERS },
  'pack:read': { global: WRITERS },
  'pack:write': { global: WRITERS },
  'label:read': { global: READERS, team: ALL, scope: 'any' },
  'label:write': { global: WRITERS },
  'team:read': { global: ALL, team: ALL, scope: 'own' },
  'team:create': { global: ['admin', 'gitops'] },
  'team:write': { global: ['admin', 'gitops'], team: ['admin'], scope: 'own' },
  'enroll_secret:read': { global: ['admin', 'maintainer'] },
  'enroll_secret:write': { global: WRITERS },
  'team_secret:read': { global: ['admin', 'maintainer'], team: ['admin', 'maintainer'], scope: 'own' },
  // Downloading installers: whoever may read some enroll secret; each secret is checked on its own.
  'installer:read': { global: ['admin', 'maintainer'], team: ['admin', 'maintainer'], scope: 'any' },
  'policy:read': { global: ALL, team: ALL, scope: 'any' },
  'policy:write': { global: WRITERS },
  'team_policy:read': { global: ALL, team: ALL, scope: 'own' },
  'team_policy:write': { global: WRITERS, team: WRITERS, scope: 'own' },
  'app_config:read': { global: ALL, team: ALL, scope: 'any' },
  'app_config:write': { global: ['admin'] },
  'user:read': { global: ['admin'] },
  'user:write': { global: ['admin'] },
  'target:read': { global: READERS, team: ALL, scope: 'any' },
  /** Running new (ad-hoc) SQL. */
  'query:run_new': { global: ['admin', 'maintainer', 'observer_plus'], team: ['admin', 'maintainer', 'observer_plus'], scope: 'any' },
  /** Running a saved query; observers too when the query lets them (checked by the caller). */
  'query:run': { global: ['admin', 'maintainer', 'observer_plus'], team: ['admin', 'maintainer', 'observer_plus'], scope: 'any' },
  'query:run_observer': { global: ['admin', 'maintainer', 'observer', 'observer_plus'], team: ['admin', 'maintainer', 'observer', 'observer_plus'], scope: 'any' },
  'host:read': { global: READERS, team: ALL, scope: 'any' },
} as const satisfies Record<string, Rule>;

export type Permission = keyof typeof RULES;

export function requireViewer(ctx: Ctx): Viewer {
  if (!ctx.viewer) throw new AuthRequiredError();
  return ctx.viewer;
}

export function can(viewer: Viewer, permission: Permission, teamId?: number): boolean {
  const rule: Rule = RULES[permission];
  const { globalRole, teams } = viewer.user;
  if (globalRole) return rule.global.includes(globalRole);
  if (!rule.team) return false;
  const granting = teams.filter((t) => rule.team!.includes(t.role));
  return rule.scope === 'own' ? granting.some((t) => t.teamId === teamId) : granting.length > 0;
}

/** Throws unless the caller holds the permission (on `teamId` for team-scoped ones). */
export function authorize(ctx: Ctx, permission: Permission, teamId?: number): Viewer {
  const viewer = requireViewer(ctx);
  if (!can(viewer, permission, teamId)) throw new ForbiddenError();
  return viewer;
}
