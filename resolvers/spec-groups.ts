import { requireViewer } from './authz.js';
import type { Ctx } from './context.js';
import { SECRET_IN_USE, prepareEnrollSecrets } from './enroll-secrets.js';
import { ValidationError } from './errors.js';
import { prepareLabelSpecs } from './labels.js';
import type { SpecApplyResult, SpecPlan } from './model.js';
import { preparePackSpecs } from './packs.js';
import { preparePolicySpecs } from './policies.js';
import { prepareQuerySpecs } from './saved-queries.js';
import type {
  LabelSpecInput,
  PackSpecInput,
  PolicySpecInput,
  QuerySpecInput,
  TeamSpecInput,
} from './spec-inputs.js';
import { planNames } from './spec-inputs.js';
import { prepareTeamSpecs } from './teams.js';

/** Specs of several kinds, as a multi-document fleetctl file groups them. */
export type SpecGroup = {
  queries: QuerySpecInput[];
  packs: PackSpecInput[];
  labels: LabelSpecInput[];
  policies: PolicySpecInput[];
  teams: TeamSpecInput[];
  /** The global enroll secrets, when the group sets them. */
  enrollSecrets: string[] | null;
};

/**
 * Validates every kind (each with its own authorization), then applies all of them in one
 * transaction. Specs may use names that the same group defines.
 */
export async function applySpecGroup(ctx: Ctx, group: SpecGroup): Promise<SpecApplyResult> {
  const viewer = requireViewer(ctx);
  const plan: SpecPlan = {};
  if (group.queries.length > 0) plan.queries = prepareQuerySpecs(ctx, group.queries);
  if (group.labels.length > 0) plan.labels = await prepareLabelSpecs(ctx, group.labels);
  if (group.teams.length > 0) plan.teams = await prepareTeamSpecs(ctx, group.teams);
  const defined = planNames(plan);
  if (group.packs.length > 0) plan.packs = await preparePackSpecs(ctx, group.packs, defined);
  if (group.policies.length > 0) plan.policies = await preparePolicySpecs(ctx, group.policies, defined);
  if (group.enrollSecrets !== null) plan.enrollSecrets = await prepareEnrollSecrets(ctx, group.enrollSecrets);
  // Each scope was checked against the store; a secret claimed twice within the group is caught here.
  const teamSecrets = new Set(plan.teams?.flatMap((t) => t.secrets));
  if (plan.enrollSecrets?.some((s) => teamSecrets.has(s))) throw ValidationError.of('secrets', SECRET_IN_USE);
  return ctx.deps.store.specs.apply(plan, viewer.user.id, ctx.deps.clock());
}
