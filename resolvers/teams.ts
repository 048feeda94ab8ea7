import { authorize, can, requireViewer } from './authz.js';
import type { Ctx } from './context.js';
import { validateAgentOptions } from './agent-options.js';
import { checkSecrets, SECRET_IN_USE } from './enroll-secrets.js';
import { LicenseError, NotFoundError, ValidationError } from './errors.js';
import type { EnrollSecret, SpecApplyResult, Team, TeamSpec } from './model.js';
import { lastByName, type ApplyOptions, type TeamSpecInput } from './spec-inputs.js';

export function requirePremium(ctx: Ctx): void {
  if (ctx.deps.license !== 'premium') throw new LicenseError();
}

/**
 * Fleet's team spec rules: premium only; creating needs a global admin (or gitops), editing also
 * a team admin of that team; agent options are checked unless forced; secrets are replaced only
 * when the list is non-empty (#6774).
 */
export async function prepareTeamSpecs(ctx: Ctx, input: TeamSpecInput[], opts: ApplyOptions = {}): Promise<TeamSpec[]> {
  requirePremium(ctx);
  requireViewer(ctx);
  const specs = lastByName(
    input.map((s) => ({
      name: (s.name ?? '').trim(),
      agentOptions: s.agentOptions,
      secrets: (s.secrets ?? []).map((x) => x.secret ?? ''),
    })),
  );
  const existing = new Map((await ctx.deps.store.teams.byNames(specs.map((s) => s.name))).map((t) => [t.name, t]));
  const out: TeamSpec[] = [];
  const claimed = new Set<string>();
  for (const s of specs) {
    const team = existing.get(s.name);
    if (team) authorize(ctx, 'team:write', team.id);
    else authorize(ctx, 'team:create');
    if (s.name === '') throw ValidationError.of('name', 'name may not be empty');
    if (s.agentOptions && !opts.force) validateAgentOptions(s.agentOptions);
    // A team not created yet owns no secret, so any owner (global ones included) is another scope.
    const secrets = await checkSecrets(ctx, s.secrets, s.name);
    if (secrets.some((x) => claimed.has(x))) throw ValidationError.of('secrets', SECRET_IN_USE);
    for (const x of secrets) claimed.add(x);
    out.push({ name: s.name, agentOptions: s.agentOptions, secrets });
  }
  return out;
}

export async function applyTeamSpecs(ctx: Ctx, input: TeamSpecInput[], opts: ApplyOptions = {}): Promise<SpecApplyResult> {
  const teams = await prepareTeamSpecs(ctx, input, opts);
  if (opts.dryRun) return {};
  return ctx.deps.store.specs.apply({ teams }, requireViewer(ctx).user.id, ctx.deps.clock());
}

/** Teams the caller may see: all for global roles, their own for team members. */
export async function listTeams(ctx: Ctx): Promise<Team[]> {
  requirePremium(ctx);
  const viewer = requireViewer(ctx);
  return (await ctx.deps.store.teams.list()).filter((t) => can(viewer, 'team:read', t.id));
}

export async function getTeam(ctx: Ctx, name: string): Promise<Team> {
  requirePremium(ctx);
  const team = await ctx.deps.store.teams.byName(name);
  if (!team) {
    requireViewer(ctx);
    throw new NotFoundError('Team', name);
  }
  authorize(ctx, 'team:read', team.id);
  return team;
}

export async function teamsByIds(ctx: Ctx, ids: readonly number[]): Promise<Team[]> {
  const viewer = requireViewer(ctx);
  return (await ctx.deps.store.teams.byIds(ids)).filter((t) => can(viewer, 'team:read', t.id));
}

/** Enroll secrets of several teams (for dataloaders); each team needs its own permission. */
export async function teamSecrets(ctx: Ctx, teamIds: readonly number[]): Promise<Map<number, EnrollSecret[]>> {
  for (const id of teamIds) authorize(ctx, 'team_secret:read', id);
  const out = new Map(teamIds.map((id) => [id, [] as EnrollSecret[]]));
  for (const s of await ctx.deps.store.enrollSecrets.listByTeams(teamIds)) out.get(s.teamId!)?.push(s);
  return out;
}
