/**
 * Spec inputs as clients send them: every field optional, camelCase. Transports decode their
 * wire format (snake_case JSON, YAML, GraphQL inputs) into these; the domain validates them.
 */
import type { JsonObject, SpecPlan } from './model.js';

export type QuerySpecInput = {
  name?: string | null;
  description?: string | null;
  query?: string | null;
  observerCanRun?: boolean | null;
  platform?: string | null;
  minOsqueryVersion?: string | null;
  interval?: number | null;
  automationsEnabled?: boolean | null;
  logging?: string | null;
};

export type PackSpecQueryInput = {
  query?: string | null;
  name?: string | null;
  description?: string | null;
  interval?: number | null;
  snapshot?: boolean | null;
  removed?: boolean | null;
  shard?: number | null;
  platform?: string | null;
  version?: string | null;
  denylist?: boolean | null;
};

export type PackSpecInput = {
  name?: string | null;
  description?: string | null;
  platform?: string | null;
  disabled?: boolean | null;
  targets?: { labels?: string[] | null; teams?: string[] | null } | null;
  queries?: PackSpecQueryInput[] | null;
};

export type LabelSpecInput = {
  name?: string | null;
  description?: string | null;
  query?: string | null;
  platform?: string | null;
  labelType?: 'regular' | 'builtin' | null;
  labelMembershipType?: 'dynamic' | 'manual' | null;
  hosts?: string[] | null;
};

export type TeamSpecInput = {
  name?: string | null;
  agentOptions?: JsonObject | null;
  secrets?: { secret?: string | null }[] | null;
};

export type PolicySpecInput = {
  name?: string | null;
  query?: string | null;
  description?: string | null;
  resolution?: string | null;
  team?: string | null;
  platform?: string | null;
};

export type ApplyOptions = { dryRun?: boolean; force?: boolean };

/** Names a group apply defines, so specs may refer to each other within one file. */
export type PlanNames = { queries: Set<string>; labels: Set<string>; teams: Set<string> };

export const emptyPlanNames = (): PlanNames => ({ queries: new Set(), labels: new Set(), teams: new Set() });

export const planNames = (plan: SpecPlan): PlanNames => ({
  queries: new Set(plan.queries?.map((q) => q.name)),
  labels: new Set(plan.labels?.map((l) => l.name)),
  teams: new Set(plan.teams?.map((t) => t.name)),
});

/** Keeps the last spec for each name, in first-seen order. */
export function lastByName<T extends { name: string }>(specs: T[]): T[] {
  const byName = new Map<string, T>();
  for (const s of specs) byName.set(s.name, s);
  return [...byName.values()];
}
