import { authorize } from './authz.js';
import type { Ctx } from './context.js';
import { NotFoundError, ValidationError, type InvalidArg } from './errors.js';
import type { Pack, PackSpec, PackSpecQuery, ScheduledQuery, SpecApplyResult } from './model.js';
import { emptyPlanNames, lastByName, type PackSpecInput, type PlanNames } from './spec-inputs.js';

function normalize(s: PackSpecInput): PackSpec {
  const queries = (s.queries ?? []).map(
    (q): PackSpecQuery => ({
      query: q.query ?? '',
      name: q.name || q.query || '',
      description: q.description ?? '',
      interval: q.interval ?? 0,
      snapshot: q.snapshot ?? null,
      removed: q.removed ?? null,
      shard: q.shard ?? null,
      platform: q.platform ?? null,
      version: q.version ?? null,
      denylist: q.denylist ?? null,
    }),
  );
  return {
    name: s.name ?? '',
    description: s.description ?? '',
    platform: s.platform ?? '',
    disabled: s.disabled ?? false,
    targets: { labels: [...new Set(s.targets?.labels ?? [])], teams: [...new Set(s.targets?.teams ?? [])] },
    queries,
  };
}

/**
 * Validates every pack against the saved queries, labels and teams that exist, or that the same
 * apply defines. Where Fleet answers 500 (empty name, unknown query) we answer 422 with its reason.
 */
export async function preparePackSpecs(ctx: Ctx, input: PackSpecInput[], defined: PlanNames = emptyPlanNames()): Promise<PackSpec[]> {
  authorize(ctx, 'pack:write');
  const { store } = ctx.deps;
  const specs = lastByName(input.map(normalize));
  const [queries, labels, teams] = await Promise.all([
    store.savedQueries.existingNames(specs.flatMap((s) => s.queries.map((q) => q.query))),
    store.labels.byNames(specs.flatMap((s) => s.targets.labels)),
    store.teams.byNames(specs.flatMap((s) => s.targets.teams)),
  ]);
  const knownLabels = new Set([...labels.map((l) => l.name), ...defined.labels]);
  const knownTeams = new Set([...teams.map((t) => t.name), ...defined.teams]);
  const invalid: InvalidArg[] = [];
  for (const s of specs) {
    if (s.name.trim() === '') invalid.push({ name: 'name', reason: 'pack name must not be empty' });
    const seen = new Set<string>();
    for (const q of s.queries) {
      if (!queries.has(q.query) && !defined.queries.has(q.query)) {
        invalid.push({ name: 'queries', reason: `cannot schedule unknown query '${q.query}'` });
      } else if (seen.has(q.name)) {
        invalid.push({ name: 'queries', reason: `pack '${s.name}' schedules '${q.name}' twice` });
      }
      seen.add(q.name);
    }
    for (const l of s.targets.labels) if (!knownLabels.has(l)) invalid.push({ name: 'targets', reason: `unknown label '${l}'` });
    for (const t of s.targets.teams) if (!knownTeams.has(t)) invalid.push({ name: 'targets', reason: `unknown team '${t}'` });
  }
  if (invalid.length > 0) throw new ValidationError(invalid);
  return specs;
}

export async function applyPackSpecs(ctx: Ctx, input: PackSpecInput[]): Promise<SpecApplyResult> {
  const viewer = authorize(ctx, 'pack:write');
  const packs = await preparePackSpecs(ctx, input);
  return ctx.deps.store.specs.apply({ packs }, viewer.user.id, ctx.deps.clock());
}

export async function listPacks(ctx: Ctx): Promise<Pack[]> {
  authorize(ctx, 'pack:read');
  return ctx.deps.store.packs.list();
}

export async function getPack(ctx: Ctx, name: string): Promise<Pack> {
  authorize(ctx, 'pack:read');
  const found = await ctx.deps.store.packs.byName(name);
  if (!found) throw new NotFoundError('Pack', name);
  return found;
}

/** Scheduled queries of many packs at once (for dataloaders and spec encoders). */
export async function scheduledQueriesOf(ctx: Ctx, packIds: readonly number[]): Promise<ScheduledQuery[]> {
  authorize(ctx, 'pack:read');
  return ctx.deps.store.packs.scheduledQueries(packIds);
}

export type PackDetails = { pack: Pack; queries: ScheduledQuery[]; labelNames: string[]; teamNames: string[] };

/** Packs with their scheduled queries and target names, in three queries whatever the count. */
export async function packDetails(ctx: Ctx, packs: Pack[]): Promise<PackDetails[]> {
  authorize(ctx, 'pack:read');
  const { store } = ctx.deps;
  const [queries, labels, teams] = await Promise.all([
    store.packs.scheduledQueries(packs.map((p) => p.id)),
    store.labels.byIds([...new Set(packs.flatMap((p) => p.labelIds))]),
    store.teams.byIds([...new Set(packs.flatMap((p) => p.teamIds))]),
  ]);
  const labelName = new Map(labels.map((l) => [l.id, l.name]));
  const teamName = new Map(teams.map((t) => [t.id, t.name]));
  return packs.map((pack) => ({
    pack,
    queries: queries.filter((q) => q.packId === pack.id),
    labelNames: pack.labelIds.flatMap((id) => labelName.get(id) ?? []),
    teamNames: pack.teamIds.flatMap((id) => teamName.get(id) ?? []),
  }));
}
