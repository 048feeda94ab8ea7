import { authorize, requireViewer } from './authz.js';
import type { Ctx } from './context.js';
import { BadRequestError, NotFoundError } from './errors.js';
import type { Policy, PolicySpec, SpecApplyResult } from './model.js';
import { emptyPlanNames, type PlanNames, type PolicySpecInput } from './spec-inputs.js';
import { requirePremium } from './teams.js';

export const POLICY_PLATFORMS = ['windows', 'linux', 'darwin', 'chrome'] as const;

/** "darwin, linux" → "darwin,linux"; undefined when a token is not a known platform. */
function normalizePlatform(platform: string): string | undefined {
  const tokens = platform
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (tokens.some((p) => !(POLICY_PLATFORMS as readonly string[]).includes(p))) return undefined;
  return [...new Set(tokens)].join(',');
}

function verify(s: PolicySpecInput): PolicySpec {
  const fail = (why: string) => new BadRequestError(`policy spec payload verification: ${why}`);
  const name = s.name ?? '';
  const query = s.query ?? '';
  if (name.trim() === '') throw fail('policy name cannot be empty');
  if (query.trim() === '') throw fail('policy query cannot be empty');
  const platform = normalizePlatform(s.platform ?? '');
  if (platform === undefined) throw fail('invalid policy platform');
  return {
    name,
    query,
    platform,
    description: s.description ?? '',
    resolution: s.resolution ?? '',
    team: s.team ?? '',
  };
}

/**
 * Authorizes per target (global policies, or each named team), then verifies every spec.
 * On update Fleet changes only query, description, resolution and author: team and platform stay.
 */
export async function preparePolicySpecs(ctx: Ctx, input: PolicySpecInput[], defined: PlanNames = emptyPlanNames()): Promise<PolicySpec[]> {
  const teamNames = [...new Set(input.map((s) => s.team ?? '').filter((t) => t !== ''))];
  if (teamNames.length > 0) requirePremium(ctx);
  const teams = new Map((await ctx.deps.store.teams.byNames(teamNames)).map((t) => [t.name, t.id]));
  for (const name of teamNames) {
    const id = teams.get(name);
    if (id !== undefined) authorize(ctx, 'team_policy:write', id);
    else if (defined.teams.has(name)) authorize(ctx, 'team:create');
    else {
      authorize(ctx, 'team_policy:read', -1);
      throw new NotFoundError('Team', name);
    }
  }
  if (input.some((s) => (s.team ?? '') === '') || input.length === 0) authorize(ctx, 'policy:write');
  // An update keeps the policy's team whatever the spec names, so the caller must be allowed to
  // write where the policy already is (else a team maintainer could rewrite global policies).
  const wanted = new Set(input.map((s) => s.name ?? ''));
  for (const current of await ctx.deps.store.policies.list()) {
    if (!wanted.has(current.name)) continue;
    if (current.teamId === null) authorize(ctx, 'policy:write');
    else authorize(ctx, 'team_policy:write', current.teamId);
  }
  const specs = input.map(verify);
  if (new Set(specs.map((s) => s.name)).size !== specs.length) {
    throw new BadRequestError('duplicate policy names not allowed');
  }
  return specs;
}

export async function applyPolicySpecs(ctx: Ctx, input: PolicySpecInput[]): Promise<SpecApplyResult> {
  const policies = await preparePolicySpecs(ctx, input);
  const viewer = requireViewer(ctx);
  return ctx.deps.store.specs.apply({ policies }, viewer.user.id, ctx.deps.clock());
}

/** Global policies, or one team's when `teamId` is given. */
export async function listPolicies(ctx: Ctx, teamId: number | null): Promise<Policy[]> {
  if (teamId === null) authorize(ctx, 'policy:read');
  else {
    requirePremium(ctx);
    authorize(ctx, 'team_policy:read', teamId);
  }
  return ctx.deps.store.policies.list(teamId);
}
