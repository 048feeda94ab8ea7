/** Hosts as users see them: visibility, listing, detail, target search and counts (fleet-behavior.md §3). */
import { authorize, requireViewer } from './authz.js';
import type { Ctx } from './context.js';
import { NotFoundError } from './errors.js';
import { hostStatus, policyAppliesTo } from './host-status.js';
import type { Host, HostInventory, HostStatus, HostTargets, HostVisibility, Label, Pack, Policy, PolicyResponse, Team, Viewer } from './model.js';
import type { HostCounts, HostFilter } from './ports.js';

const SEES_ALL = new Set(['admin', 'maintainer', 'observer_plus']);

/**
 * Fleet's host filter: admins, maintainers and observer_plus see every host; observers only when
 * the query lets observers run; gitops none; team members the hosts of their teams on the same terms.
 */
export function hostVisibility(viewer: Viewer, includeObserver = false): HostVisibility {
  const { globalRole, teams } = viewer.user;
  if (globalRole) {
    return SEES_ALL.has(globalRole) || (globalRole === 'observer' && includeObserver) ? { all: true } : { all: false, teamIds: [] };
  }
  return {
    all: false,
    teamIds: teams.filter((t) => SEES_ALL.has(t.role) || (t.role === 'observer' && includeObserver)).map((t) => t.teamId),
  };
}

const canSee = (v: HostVisibility, host: Host): boolean => v.all || (host.teamId !== null && v.teamIds.includes(host.teamId));

/** A host with its freshest check-in time (buffered check-ins are not yet in the store). */
export function withSeen(ctx: Pick<Ctx, 'deps'>, host: Host): Host {
  const latest = ctx.deps.seen.latest(host.id);
  if (latest && latest > host.seenTime) host.seenTime = latest;
  return host;
}

export type HostListOptions = {
  search?: string;
  status?: HostStatus;
  teamId?: number | null;
  labelId?: number;
  offset: number;
  limit: number;
  /** Read only these host fields (see HostStore.list): for listings that show a few. */
  fields?: ReadonlySet<keyof Host>;
};

async function filterFor(ctx: Ctx, viewer: Viewer, extra: Partial<HostFilter> = {}, includeObserver = false): Promise<HostFilter> {
  await ctx.deps.seen.flush();
  return { visibility: hostVisibility(viewer, includeObserver), now: ctx.deps.clock(), ...extra };
}

export async function listHosts(ctx: Ctx, opts: HostListOptions): Promise<{ hosts: Host[]; total: number }> {
  const viewer = authorize(ctx, 'host:read');
  const { offset, limit, fields, ...where } = opts;
  const filter = await filterFor(ctx, viewer, where);
  // Only the total is shown, so the status sums of count() would be wasted work.
  const [hosts, total] = await Promise.all([ctx.deps.store.hosts.list(filter, { offset, limit }, fields), ctx.deps.store.hosts.total(filter)]);
  return { hosts, total };
}

export async function getHost(ctx: Ctx, id: number): Promise<Host> {
  const viewer = authorize(ctx, 'host:read');
  const host = await ctx.deps.store.hosts.byId(id);
  if (!host || !canSee(hostVisibility(viewer), host)) throw new NotFoundError('Host', id);
  return withSeen(ctx, host);
}

/** Visible hosts by id (for dataloaders); invisible or unknown ids are left out. */
export async function hostsByIds(ctx: Ctx, ids: readonly number[]): Promise<Host[]> {
  const viewer = authorize(ctx, 'host:read');
  const v = hostVisibility(viewer);
  return (await ctx.deps.store.hosts.byIds(ids)).filter((h) => canSee(v, h)).map((h) => withSeen(ctx, h));
}

export type HostDetail = {
  host: Host;
  status: Exclude<HostStatus, 'new'>;
  labels: Label[];
  packs: Pack[];
  policies: (Policy & { response: PolicyResponse })[];
  inventory: HostInventory;
  team: Team | null;
};

const response = (passes: boolean | null | undefined): PolicyResponse => (passes === true ? 'pass' : passes === false ? 'fail' : '');

/** Everything Fleet shows about one host. Not authorized: callers check access to the host first. */
export async function hostDetail(ctx: Pick<Ctx, 'deps'>, host: Host): Promise<HostDetail> {
  const { store, clock } = ctx.deps;
  const [labelIds, packIds, results, inventory, global, team] = await Promise.all([
    store.hosts.labelIds([host.id]),
    store.hosts.packIds([host]).then((m) => m.get(host.id) ?? []),
    store.hosts.policyResults([host.id]),
    store.hosts.inventory([host.id]),
    store.policies.list(null),
    host.teamId === null ? Promise.resolve([]) : store.policies.list(host.teamId),
  ]);
  const [labels, packs, teams] = await Promise.all([
    store.labels.byIds(labelIds.get(host.id) ?? []),
    packIds.length === 0 ? Promise.resolve([]) : store.packs.list().then((all) => all.filter((p) => packIds.includes(p.id))),
    host.teamId === null ? Promise.resolve([]) : store.teams.byIds([host.teamId]),
  ]);
  const mine = results.get(host.id) ?? new Map<number, boolean | null>();
  return {
    host,
    status: hostStatus(host, clock()),
    labels: labels.sort((a, b) => a.id - b.id),
    packs,
    policies: [...global, ...team]
      .filter((p) => policyAppliesTo(p.platform, host.platform))
      .map((p) => ({ ...p, response: response(mine.get(p.id)) })),
    inventory: inventory.get(host.id)!,
    team: teams[0] ?? null,
  };
}

async function includeObserverFor(ctx: Ctx, queryId: number | undefined): Promise<boolean> {
  if (queryId === undefined) return false;
  const [query] = await ctx.deps.store.savedQueries.byIds([queryId]);
  if (!query) throw new NotFoundError('Query', queryId);
  return query.observerCanRun;
}

const noTargets = (t: HostTargets): boolean => t.hostIds.length === 0 && t.labelIds.length === 0 && t.teamIds.length === 0;

/** Counts of the hosts a selection targets, as the viewer sees them (Fleet's /targets/count). */
export async function countTargets(ctx: Ctx, selected: HostTargets, queryId?: number): Promise<HostCounts> {
  const viewer = authorize(ctx, 'target:read');
  const includeObserver = await includeObserverFor(ctx, queryId);
  if (noTargets(selected)) return { total: 0, online: 0, offline: 0, mia: 0, new: 0 };
  return ctx.deps.store.hosts.count(await filterFor(ctx, viewer, { targets: selected }, includeObserver));
}

/** Ids of the hosts a selection targets (for campaigns). */
export async function targetHostIds(ctx: Ctx, selected: HostTargets, includeObserver: boolean): Promise<number[]> {
  const viewer = requireViewer(ctx);
  if (noTargets(selected)) return [];
  const filter = await filterFor(ctx, viewer, { targets: selected }, includeObserver);
  const hosts = await ctx.deps.store.hosts.list(filter, { offset: 0, limit: Number.MAX_SAFE_INTEGER });
  return hosts.map((h) => h.id);
}

const SEARCH_LIMIT = 10;

/** Up to ten matching hosts, newest first, leaving out the excluded ones (Fleet's /hosts/search). */
export async function searchHosts(ctx: Ctx, query: string, excludedIds: number[], queryId?: number): Promise<Host[]> {
  const viewer = authorize(ctx, 'target:read');
  const includeObserver = await includeObserverFor(ctx, queryId);
  const filter = await filterFor(ctx, viewer, { search: query.trim() || undefined, excludeIds: excludedIds }, includeObserver);
  return ctx.deps.store.hosts.list(filter, { offset: 0, limit: SEARCH_LIMIT, order: 'desc' });
}

export type TargetSearch = {
  hosts: Host[];
  labels: (Label & { count: number })[];
  teams: (Team & { count: number })[];
  counts: HostCounts;
};

/** Fleet's /targets: matching hosts, labels and teams not yet selected, and counts of the selection. */
export async function searchTargets(ctx: Ctx, query: string, selected: HostTargets, queryId?: number): Promise<TargetSearch> {
  const viewer = authorize(ctx, 'target:read');
  const includeObserver = await includeObserverFor(ctx, queryId);
  const { store, license } = ctx.deps;
  const q = query.trim().toLowerCase();
  const matches = (name: string) => q === '' || name.toLowerCase().includes(q);
  const visibility = hostVisibility(viewer, includeObserver);
  const [hosts, counts, allLabels, allTeams] = await Promise.all([
    searchHosts(ctx, query, selected.hostIds, queryId),
    countTargets(ctx, selected, queryId),
    store.labels.list(),
    license === 'premium' ? store.teams.list() : Promise.resolve([]),
  ]);
  const labels = allLabels
    .filter((l) => matches(l.name) && !selected.labelIds.includes(l.id))
    .sort((a, b) => Number(b.labelType === 'builtin') - Number(a.labelType === 'builtin') || a.id - b.id);
  const teams = allTeams.filter(
    (t) => matches(t.name) && !selected.teamIds.includes(t.id) && (visibility.all || visibility.teamIds.includes(t.id)),
  );
  const members = await store.hosts.memberIds(
    labels.map((l) => l.id),
    visibility,
  );
  const teamCounts = await store.hosts.countByTeam({ visibility, now: ctx.deps.clock() });
  return {
    hosts,
    labels: labels.map((l) => ({ ...l, count: members.get(l.id)?.length ?? 0 })),
    teams: teams.map((t) => ({ ...t, count: teamCounts.get(t.id) ?? 0 })),
    counts,
  };
}

/** Member hosts of labels, as the viewer sees them. */
export async function labelMemberIds(ctx: Ctx, labelIds: readonly number[]): Promise<Map<number, number[]>> {
  const viewer = authorize(ctx, 'host:read');
  return ctx.deps.store.hosts.memberIds(labelIds, hostVisibility(viewer));
}

/** Asks the host for every detail, label and policy query on its next check-in. */
export async function refetchHost(ctx: Pick<Ctx, 'deps'>, host: Host): Promise<void> {
  await ctx.deps.store.hosts.requestRefetch(host.id, ctx.deps.clock());
}

/* Batched per-host facts for hosts the caller already reached through a visibility check. */

export async function hostLabelIds(ctx: Ctx, hostIds: readonly number[]): Promise<Map<number, number[]>> {
  authorize(ctx, 'host:read');
  return ctx.deps.store.hosts.labelIds(hostIds);
}

export async function hostInventories(ctx: Ctx, hostIds: readonly number[]): Promise<Map<number, HostInventory>> {
  authorize(ctx, 'host:read');
  return ctx.deps.store.hosts.inventory(hostIds);
}

export async function hostPackIds(ctx: Ctx, hostList: readonly Host[]): Promise<Map<number, number[]>> {
  authorize(ctx, 'host:read');
  return ctx.deps.store.hosts.packIds(hostList);
}

export type HostPolicy = { policy: Policy; response: PolicyResponse };

/** The global and team policies that apply to each host, with the host's latest answer. */
export async function hostPolicies(ctx: Ctx, hostList: readonly Host[]): Promise<Map<number, HostPolicy[]>> {
  authorize(ctx, 'host:read');
  const { store } = ctx.deps;
  const [all, results] = await Promise.all([store.policies.list(), store.hosts.policyResults(hostList.map((h) => h.id))]);
  return new Map(
    hostList.map((h) => {
      const mine = results.get(h.id) ?? new Map<number, boolean | null>();
      const applicable = all.filter((p) => (p.teamId === null || p.teamId === h.teamId) && policyAppliesTo(p.platform, h.platform));
      return [h.id, applicable.map((policy) => ({ policy, response: response(mine.get(policy.id)) }))];
    }),
  );
}

/** Packs by id, as facts of hosts the caller can see (pack details stay behind pack:read). */
export async function packsOfHosts(ctx: Ctx, packIds: readonly number[]): Promise<Pack[]> {
  authorize(ctx, 'host:read');
  const wanted = new Set(packIds);
  return (await ctx.deps.store.packs.list()).filter((p) => wanted.has(p.id));
}
