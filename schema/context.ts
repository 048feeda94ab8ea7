import DataLoader from 'dataloader';
import type { Ctx } from '../resolvers/context.js';
import { labelHostnames, labelsByIds } from '../resolvers/labels.js';
import type { EnrollSecret, Label, SavedQuery, ScheduledQuery, Team } from '../resolvers/model.js';
import { scheduledQueriesOf } from '../resolvers/packs.js';
import { savedQueriesByIds } from '../resolvers/saved-queries.js';
import { teamSecrets, teamsByIds } from '../resolvers/teams.js';
import {
  hostInventories,
  hostLabelIds,
  hostPackIds,
  hostPolicies,
  hostsByIds,
  labelMemberIds,
  packsOfHosts,
  type HostPolicy,
} from '../resolvers/hosts.js';
import type { Host, HostInventory, Pack } from '../resolvers/model.js';

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
    teamSecrets: new DataLoader<number, EnrollSecret[]>(async (teamIds) => {
      const map = await teamSecrets(ctx, teamIds);
      return teamIds.map((id) => map.get(id) ?? []);
    }),
    scheduledQueries: new DataLoader<number, ScheduledQuery[]>(async (packIds) => {
      const rows = await scheduledQueriesOf(ctx, packIds);
      return packIds.map((id) => rows.filter((r) => r.packId === id));
    }),
    pack: new DataLoader<number, Pack | undefined>(async (ids) => byId(ids, await packsOfHosts(ctx, ids))),
    host: new DataLoader<number, Host | undefined>(async (ids) => byId(ids, await hostsByIds(ctx, ids))),
    labelMembers: new DataLoader<number, number[]>(async (labelIds) => {
      const map = await labelMemberIds(ctx, labelIds);
      return labelIds.map((id) => map.get(id) ?? []);
    }),
    hostLabelIds: new DataLoader<number, number[]>(async (hostIds) => {
      const map = await hostLabelIds(ctx, hostIds);
      return hostIds.map((id) => map.get(id) ?? []);
    }),
    hostInventory: new DataLoader<number, HostInventory>(async (hostIds) => {
      const map = await hostInventories(ctx, hostIds);
      return hostIds.map((id) => map.get(id)!);
    }),
    hostPolicies: new DataLoader<Host, HostPolicy[], number>(
      async (hosts) => {
        const map = await hostPolicies(ctx, hosts);
        return hosts.map((h) => map.get(h.id) ?? []);
      },
      { cacheKeyFn: (h) => h.id },
    ),
    hostPackIds: new DataLoader<Host, number[], number>(
      async (hosts) => {
        const map = await hostPackIds(ctx, hosts);
        return hosts.map((h) => map.get(h.id) ?? []);
      },
      { cacheKeyFn: (h) => h.id },
    ),
    labelHostnames: new DataLoader<number, string[]>(async (labelIds) => {
      const map = await labelHostnames(ctx, labelIds);
      return labelIds.map((id) => map.get(id) ?? []);
    }),
  };
}

export type GraphQLContext = { domain: Ctx; loaders: ReturnType<typeof createLoaders> };
