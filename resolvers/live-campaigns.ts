/**
 * The in-memory index of open campaigns: which hosts each targets, who has answered, who is
 * watching. It decides where an agent's answer goes without touching the database, and applies
 * Fleet's lifetime rules (no watcher for 60 s, or running past the limit → complete).
 */
import { CAMPAIGN_STATUS, type Campaign } from './model.js';
import type { CampaignStore, HostCounts, LiveQueryRouter, ResultStore } from './ports.js';

export type LiveLimits = {
  /** A campaign nobody watches for this long is completed (Fleet: 60 s). */
  unwatchedMs: number;
  /** A campaign is completed this long after it started (Fleet: 24 h). */
  maxDurationMs: number;
};

type Open = {
  campaign: Campaign;
  sql: string;
  targets: Set<number>;
  answered: Set<number>;
  watchers: number;
  /** When the campaign was last watched (its creation time before that). */
  lastWatchedAt: number;
  /** The latest totals, shared while fresh; a promise, so callers arriving together compute once. */
  totals?: { at: number; value: Promise<HostCounts> };
  /** Watchers told when the totals change, with the one timer that re-counts for all of them. */
  totalsWatch?: { listeners: Set<() => void>; timer: NodeJS.Timeout; last?: string };
};

export type LiveCampaigns = {
  router: LiveQueryRouter;
  open(campaign: Campaign, sql: string, hostIds: number[]): void;
  isOpen(campaignId: number): boolean;
  attach(campaignId: number): Promise<void>;
  detach(campaignId: number): void;
  complete(campaignId: number): Promise<void>;
  /**
   * Totals of an open campaign's targets, recomputed at most once a second and shared by watchers
   * (a campaign no longer open is computed on every call).
   */
  totals(campaignId: number, compute: () => Promise<HostCounts>): Promise<HostCounts>;
  /**
   * Calls `listener` when an open campaign's totals change (re-counted once a second for all
   * watchers together, so idle watchers cost no timer and no wake-up each); returns the unsubscribe.
   * A campaign that is not open has final totals: nothing is ever called.
   */
  watchTotals(campaignId: number, compute: () => Promise<HostCounts>, listener: () => void): () => void;
  /** Completes what the lifetime rules say is over; returns their ids. */
  sweep(): Promise<number[]>;
  /** Loads open campaigns from storage (at start-up). */
  restore(): Promise<void>;
  stats(): { open: number; ignoredResults: number; droppedSubscribers: number };
  noteDropped(): void;
};

export function createLiveCampaigns(deps: {
  campaigns: CampaignStore;
  results: ResultStore;
  clock: () => Date;
  limits: LiveLimits;
  onError: (err: unknown) => void;
}): LiveCampaigns {
  const open = new Map<number, Open>();
  const byHost = new Map<number, Set<number>>();
  let ignoredResults = 0;
  let droppedSubscribers = 0;

  const forget = (o: Open) => {
    open.delete(o.campaign.id);
    if (o.totalsWatch) {
      clearInterval(o.totalsWatch.timer);
      // Totals are final from here on: let watchers take one last look.
      for (const l of o.totalsWatch.listeners) l();
    }
    for (const hostId of o.targets) {
      const set = byHost.get(hostId);
      set?.delete(o.campaign.id);
      if (set?.size === 0) byHost.delete(hostId);
    }
    deps.results.release(o.campaign.id);
  };

  const complete = async (campaignId: number) => {
    const o = open.get(campaignId);
    if (o) forget(o);
    await deps.campaigns.setStatus(campaignId, CAMPAIGN_STATUS.complete, deps.clock());
  };

  const expired = (o: Open, now: number): boolean =>
    (o.watchers === 0 && now - o.lastWatchedAt > deps.limits.unwatchedMs) ||
    now - o.campaign.createdAt.getTime() > deps.limits.maxDurationMs;

  const add = (campaign: Campaign, sql: string, hostIds: number[], answered: number[] = []) => {
    const o: Open = {
      campaign,
      sql,
      targets: new Set(hostIds),
      answered: new Set(answered),
      watchers: 0,
      lastWatchedAt: Math.max(campaign.createdAt.getTime(), campaign.updatedAt.getTime()),
    };
    open.set(campaign.id, o);
    for (const hostId of hostIds) {
      if (o.answered.has(hostId)) continue;
      let set = byHost.get(hostId);
      if (!set) byHost.set(hostId, (set = new Set()));
      set.add(campaign.id);
    }
  };

  const router: LiveQueryRouter = {
    *pendingFor(host) {
      const ids = byHost.get(host.id);
      if (!ids) return;
      const now = deps.clock().getTime();
      for (const id of [...ids]) {
        const o = open.get(id);
        if (!o) continue;
        if (expired(o, now)) {
          complete(id).catch(deps.onError);
          continue;
        }
        yield [id, o.sql];
      }
    },
    record(host, campaignId, rows, error) {
      const o = open.get(campaignId);
      // Only targeted hosts may answer, once each (Fleet once accepted anyone's: #53259).
      if (!o || !o.targets.has(host.id) || o.answered.has(host.id)) {
        ignoredResults += 1;
        return;
      }
      o.answered.add(host.id);
      byHost.get(host.id)?.delete(campaignId);
      deps.results
        .append(campaignId, {
          hostId: host.id,
          hostname: host.hostname,
          displayName: host.computerName || host.hostname,
          rows,
          error,
          createdAt: deps.clock(),
        })
        .catch(deps.onError);
    },
  };

  const api: LiveCampaigns = {
    router,
    open: (campaign, sql, hostIds) => add(campaign, sql, hostIds),
    isOpen: (id) => open.has(id),
    async attach(campaignId) {
      const o = open.get(campaignId);
      if (!o) return;
      o.watchers += 1;
      o.lastWatchedAt = deps.clock().getTime();
      if (o.campaign.status === CAMPAIGN_STATUS.waiting) {
        o.campaign.status = CAMPAIGN_STATUS.running;
        await deps.campaigns.setStatus(campaignId, CAMPAIGN_STATUS.running, deps.clock());
      }
    },
    detach(campaignId) {
      const o = open.get(campaignId);
      if (!o) return;
      o.watchers -= 1;
      o.lastWatchedAt = deps.clock().getTime();
    },
    complete,
    totals(campaignId, compute) {
      const o = open.get(campaignId);
      if (!o) return compute();
      const now = Date.now();
      if (o.totals && now - o.totals.at < 1000) return o.totals.value;
      const value = compute();
      o.totals = { at: now, value };
      // A failed count is not shared: the next caller tries again.
      value.catch(() => {
        if (o.totals?.value === value) o.totals = undefined;
      });
      return value;
    },
    watchTotals(campaignId, compute, listener) {
      const o = open.get(campaignId);
      if (!o) return () => undefined;
      if (!o.totalsWatch) {
        const watch: NonNullable<Open['totalsWatch']> = {
          listeners: new Set(),
          timer: setInterval(() => {
            api
              .totals(campaignId, compute)
              .then((m) => {
                // The first count is news too: a watcher's own first look may predate it.
                const now = JSON.stringify(m);
                if (now !== watch.last) for (const l of watch.listeners) l();
                watch.last = now;
              })
              .catch(deps.onError);
          }, 1000),
        };
        watch.timer.unref();
        o.totalsWatch = watch;
      }
      const watch = o.totalsWatch;
      watch.listeners.add(listener);
      return () => {
        watch.listeners.delete(listener);
        if (watch.listeners.size === 0 && o.totalsWatch === watch) {
          clearInterval(watch.timer);
          o.totalsWatch = undefined;
        }
      };
    },
    async sweep() {
      const now = deps.clock().getTime();
      const due = [...open.values()].filter((o) => expired(o, now)).map((o) => o.campaign.id);
      for (const id of due) await complete(id);
      return due;
    },
    async restore() {
      for (const { campaign, sql, hostIds, answered } of await deps.campaigns.listOpen()) add(campaign, sql, hostIds, answered);
    },
    stats: () => ({ open: open.size, ignoredResults, droppedSubscribers }),
    noteDropped: () => {
      droppedSubscribers += 1;
    },
  };
  return api;
}
