import { authorize } from './authz.js';
import type { Ctx } from './context.js';
import { ValidationError } from './errors.js';
import type { EnrollSecret, SpecApplyResult } from './model.js';

/** Fleet's MaxEnrollSecretsCount. */
export const MAX_ENROLL_SECRETS = 50;

export const SECRET_IN_USE = 'one or more enroll secrets are already in use by another team';

/**
 * Checks one scope's new secret list: at most 50, none empty, none owned by another scope
 * (a secret decides which team a host joins, so it must be unique across the fleet).
 */
export async function checkSecrets(ctx: Ctx, secrets: string[], teamName: string | null): Promise<string[]> {
  if (secrets.length > MAX_ENROLL_SECRETS) throw ValidationError.of('secrets', 'too many secrets');
  if (secrets.some((s) => s.trim() === '')) throw ValidationError.of('secrets', 'enroll secret must not be empty');
  const unique = [...new Set(secrets)];
  const owners = await ctx.deps.store.enrollSecrets.bySecrets(unique);
  const teamId = teamName === null ? null : ((await ctx.deps.store.teams.byName(teamName))?.id ?? -1);
  if (owners.some((o) => o.teamId !== teamId)) {
    throw ValidationError.of('secrets', SECRET_IN_USE);
  }
  return unique;
}

export async function prepareEnrollSecrets(ctx: Ctx, secrets: string[]): Promise<string[]> {
  authorize(ctx, 'enroll_secret:write');
  return checkSecrets(ctx, secrets, null);
}

/** Replaces the global enroll secrets with `secrets`; kept secrets keep their creation time. */
export async function applyEnrollSecretSpec(ctx: Ctx, secrets: string[]): Promise<SpecApplyResult> {
  const viewer = authorize(ctx, 'enroll_secret:write');
  const enrollSecrets = await prepareEnrollSecrets(ctx, secrets);
  return ctx.deps.store.specs.apply({ enrollSecrets }, viewer.user.id, ctx.deps.clock());
}

export async function getEnrollSecretSpec(ctx: Ctx): Promise<EnrollSecret[]> {
  authorize(ctx, 'enroll_secret:read');
  return ctx.deps.store.enrollSecrets.list(null);
}
