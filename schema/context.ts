import DataLoader from 'dataloader';
import type { Ctx } from '../resolvers/context.js';
import { labelHostnames, labelsByIds } from '../resolvers/labels.js';
import type { Label, SavedQuery, ScheduledQuery, Team } from '../resolvers/model.js';
import { scheduledQueriesOf } from '../resolvers/packs.js';
import { savedQueriesByIds } from '../resolvers/saved-queries.js';
import { teamsByIds } from '../resolvers/teams.js';

const byId = <T extends { id: number }>(ids: readonly number[], rows: T[]): (T | undefined)[] => {
  const map = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => map.get(id));
};

/** Per-request batch loaders: one store call per field per level, never one per row. */
export function createLoaders(ctx: Ctx) {
  return {
    savedQuery: new DataLoader<number, SavedQuery | undefined>(async (ids) => byId(ids, await savedQueriesByIds(ctx, ids))),
    label: new DataLoader<number, Label | undefined>(async (ids) => byId(ids, await labelsByIds(ctx, ids))),
    team: new DataLoader<number, Team | undefined>(async (ids) => byId(ids, await teamsByIds(ctx, ids))),
    scheduledQueries: new DataLoader<number, ScheduledQuery[]>(async (packIds) => {
      const rows = await scheduledQueriesOf(ctx, packIds);
      return packIds.map((id) => rows.filter((r) => r.packId === id));
    }),
    labelHostnames: new DataLoader<number, string[]>(async (labelIds) => {
      const map = await labelHostnames(ctx, labelIds);
      return labelIds.map((id) => map.get(id) ?? []);
    }),
  };
}

export type GraphQLContext = { domain: Ctx; loaders: ReturnType<typeof createLoaders> };
