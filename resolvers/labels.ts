import { authorize } from './authz.js';
import type { Ctx } from './context.js';
import { NotFoundError, UnprocessableError, ValidationError } from './errors.js';
import { hostVisibility } from './hosts.js';
import type { Label, LabelSpec, SpecApplyResult } from './model.js';
import { lastByName, type LabelSpecInput } from './spec-inputs.js';

function normalize(s: LabelSpecInput): LabelSpec & { labelType: string } {
  const membership = s.labelMembershipType ?? 'dynamic';
  return {
    name: s.name ?? '',
    description: s.description ?? '',
    query: s.query ?? '',
    platform: s.platform ?? '',
    labelType: s.labelType ?? 'regular',
    labelMembershipType: membership,
    hosts: membership === 'manual' ? (s.hosts ?? null) : null,
  };
}

/**
 * Fleet's label rules: built-in labels are read-only, dynamic labels have no host list and manual
 * labels must carry one (an empty list clears membership). Unknown hostnames are ignored.
 */
export async function prepareLabelSpecs(ctx: Ctx, input: LabelSpecInput[]): Promise<LabelSpec[]> {
  authorize(ctx, 'label:write');
  const specs = input.map((s) => ({ raw: s, spec: normalize(s) }));
  if (specs.some(({ spec }) => spec.name.trim() === '')) throw ValidationError.of('name', 'label name must not be empty');
  const builtin = new Set(
    (await ctx.deps.store.labels.byNames(specs.map(({ spec }) => spec.name)))
      .filter((l) => l.labelType === 'builtin')
      .map((l) => l.name),
  );
  for (const { raw, spec } of specs) {
    if (spec.labelType === 'builtin' || builtin.has(spec.name)) {
      throw new UnprocessableError(`cannot modify built-in label '${spec.name}'`);
    }
    if (spec.labelMembershipType === 'dynamic' && (raw.hosts?.length ?? 0) > 0) {
      throw new UnprocessableError(`label ${spec.name} is declared as dynamic but contains \`hosts\` key`);
    }
    if (spec.labelMembershipType === 'manual' && spec.hosts === null) {
      throw new UnprocessableError(`label ${spec.name} is declared as manual but contains no \`hosts key\``);
    }
  }
  return lastByName(specs.map(({ spec: { labelType: _, ...spec } }) => spec));
}

export async function applyLabelSpecs(ctx: Ctx, input: LabelSpecInput[]): Promise<SpecApplyResult> {
  const viewer = authorize(ctx, 'label:write');
  const labels = await prepareLabelSpecs(ctx, input);
  return ctx.deps.store.specs.apply({ labels }, viewer.user.id, ctx.deps.clock());
}

export async function listLabels(ctx: Ctx): Promise<Label[]> {
  authorize(ctx, 'label:read');
  return ctx.deps.store.labels.list();
}

export async function getLabel(ctx: Ctx, name: string): Promise<Label> {
  authorize(ctx, 'label:read');
  const found = await ctx.deps.store.labels.byName(name);
  if (!found) throw new NotFoundError('Label', name);
  return found;
}

export async function labelsByIds(ctx: Ctx, ids: readonly number[]): Promise<Label[]> {
  authorize(ctx, 'label:read');
  return ctx.deps.store.labels.byIds(ids);
}

/** Hostnames of each label's member hosts the caller can see. */
export async function labelHostnames(ctx: Ctx, labelIds: readonly number[]): Promise<Map<number, string[]>> {
  const viewer = authorize(ctx, 'label:read');
  return ctx.deps.store.labels.memberHostnames(labelIds, hostVisibility(viewer));
}

/** A label as Fleet's label spec shows it: manual labels list `hosts`, dynamic ones do not (null). */
export type LabelSpecView = { label: Label; hosts: string[] | null };

async function specViews(ctx: Ctx, list: Label[]): Promise<LabelSpecView[]> {
  const manual = list.filter((l) => l.labelMembershipType === 'manual').map((l) => l.id);
  // Fleet's GetLabelSpecs lists every member, so a spec read back applies unchanged.
  const hosts = await ctx.deps.store.labels.memberHostnames(manual, { all: true });
  return list.map((label) => ({ label, hosts: label.labelMembershipType === 'manual' ? (hosts.get(label.id) ?? []) : null }));
}

export async function labelSpecs(ctx: Ctx): Promise<LabelSpecView[]> {
  return specViews(ctx, await listLabels(ctx));
}

export async function labelSpec(ctx: Ctx, name: string): Promise<LabelSpecView> {
  const [view] = await specViews(ctx, [await getLabel(ctx, name)]);
  return view!;
}
