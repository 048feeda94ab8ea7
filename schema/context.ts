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

/**
 * Per-request batch loaders: one store call per field per level, never one per row. Each is made
 * on first use: most operations need one or two, and a subscription's context lives as long as
 * the subscription (thousands of idle dashboards should not each hold a dozen loaders).
 */
export class Loaders {
  constructor(private readonly ctx: Ctx) {}

  #savedQuery?: DataLoader<number, SavedQuery | undefined>;
  get savedQuery() {
    return (this.#savedQuery ??= new DataLoader(async (ids) => byId(ids, await savedQueriesByIds(this.ctx, ids))));
  }

  #label?: DataLoader<number, Label | undefined>;
  get label() {
    return (this.#label ??= new DataLoader(async (ids) => byId(ids, await labelsByIds(this.ctx, ids))));
  }

  #team?: DataLoader<number, Team | undefined>;
  get team() {
    return (this.#team ??= new DataLoader(async (ids) => byId(ids, await teamsByIds(this.ctx, ids))));
  }

  #teamSecrets?: DataLoader<number, EnrollSecret[]>;
  get teamSecrets() {
    return (this.#teamSecrets ??= new DataLoader(async (teamIds) => {
      const map = await teamSecrets(this.ctx, teamIds);
      return teamIds.map((id) => map.get(id) ?? []);
    }));
  }

  #scheduledQueries?: DataLoader<number, ScheduledQuery[]>;
  get scheduledQueries() {
    return (this.#scheduledQueries ??= new DataLoader(async (packIds) => {
      const rows = await scheduledQueriesOf(this.ctx, packIds);
      return packIds.map((id) => rows.filter((r) => r.packId === id));
    }));
  }

  #pack?: DataLoader<number, Pack | undefined>;
  get pack() {
    return (this.#pack ??= new DataLoader(async (ids) => byId(ids, await packsOfHosts(this.ctx, ids))));
  }

  #host?: DataLoader<number, Host | undefined>;
  get host() {
    return (this.#host ??= new DataLoader(async (ids) => byId(ids, await hostsByIds(this.ctx, ids))));
  }

  #labelMembers?: DataLoader<number, number[]>;
  get labelMembers() {
    return (this.#labelMembers ??= new DataLoader(async (labelIds) => {
      const map = await labelMemberIds(this.ctx, labelIds);
      return labelIds.map((id) => map.get(id) ?? []);
    }));
  }

  #hostLabels?: DataLoader<number, Label[]>;
  /**
   * Each host's labels: their ids for every host at once, then each label once through `label`.
   * A host's labels are one load, not one per label (a page of 100 hosts made about 2 KB of
   * promises and closures per host through `loadMany`).
   */
  get hostLabels() {
    return (this.#hostLabels ??= new DataLoader(async (hostIds) => {
      const idsByHost = await hostLabelIds(this.ctx, hostIds);
      const labelIds = [...new Set([...idsByHost.values()].flat())];
      const loaded = await this.label.loadMany(labelIds);
      const byLabelId = new Map(labelIds.map((id, i) => [id, loaded[i]]));
      return hostIds.map((hostId) => {
        const labels: Label[] = [];
        for (const id of idsByHost.get(hostId) ?? []) {
          const label = byLabelId.get(id);
          if (label instanceof Error) return label;
          if (label) labels.push(label);
        }
        return labels;
      });
    }));
  }

  #hostInventory?: DataLoader<number, HostInventory>;
  get hostInventory() {
    return (this.#hostInventory ??= new DataLoader(async (hostIds) => {
      const map = await hostInventories(this.ctx, hostIds);
      return hostIds.map((id) => map.get(id)!);
    }));
  }

  #hostPolicies?: DataLoader<Host, HostPolicy[], number>;
  get hostPolicies() {
    return (this.#hostPolicies ??= new DataLoader(
      async (hosts: readonly Host[]) => {
        const map = await hostPolicies(this.ctx, hosts);
        return hosts.map((h) => map.get(h.id) ?? []);
      },
      { cacheKeyFn: (h) => h.id },
    ));
  }

  #hostPackIds?: DataLoader<Host, number[], number>;
  get hostPackIds() {
    return (this.#hostPackIds ??= new DataLoader(
      async (hosts: readonly Host[]) => {
        const map = await hostPackIds(this.ctx, hosts);
        return hosts.map((h) => map.get(h.id) ?? []);
      },
      { cacheKeyFn: (h) => h.id },
    ));
  }

  #labelHostnames?: DataLoader<number, string[]>;
  get labelHostnames() {
    return (this.#labelHostnames ??= new DataLoader(async (labelIds) => {
      const map = await labelHostnames(this.ctx, labelIds);
      return labelIds.map((id) => map.get(id) ?? []);
    }));
  }
}

export type GraphQLContext = {
  domain: Ctx;
  loaders: Loaders;
  /**
   * The transport can send a batch of subscription events from one step of the stream (see
   * graphql-shared-events.ts); graphql-ws can, SSE through Yoga cannot.
   */
  batchedEvents?: boolean;
};
