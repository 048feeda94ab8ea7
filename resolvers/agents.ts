/**
 * osquery's TLS remote API: enroll, config, distributed read/write and logs (fleet-behavior.md §6).
 * Agents authenticate with node keys; the rules here are the server's half of that conversation.
 */
import { randomBytes } from 'node:crypto';
import type { Deps } from './context.js';
import { DETAIL_PREFIX, ENROLL_DETAIL_TABLES, detailQueriesFor, ingestDetail, type Ingested, type Row } from './detail-queries.js';
import { AgentAuthError, BadRequestError } from './errors.js';
import { policyAppliesTo } from './host-status.js';
import { loadConfig } from './app-config.js';
import { isObject, type Host, type JsonObject } from './model.js';
import type { AgentWrite } from './ports.js';
import { hashToken } from './tokens.js';

export type AgentCtx = { deps: Deps };

export const LABEL_PREFIX = 'fleet_label_query_';
export const POLICY_PREFIX = 'fleet_policy_query_';
export const LIVE_PREFIX = 'fleet_distributed_query_';

export type EnrollInput = {
  enrollSecret: string;
  hostIdentifier: string;
  hostDetails: Record<string, Record<string, string>>;
};

export async function enroll(ctx: AgentCtx, input: EnrollInput): Promise<{ nodeKey: string }> {
  const { store, clock } = ctx.deps;
  const [secret] = input.enrollSecret === '' ? [] : await store.enrollSecrets.bySecrets([input.enrollSecret]);
  if (!secret) throw new AgentAuthError('enroll failed: no matching secret found');
  if (input.hostIdentifier.trim() === '') throw new BadRequestError('enroll failed: host_identifier is required');
  const ingested: Ingested = { details: {}, inventory: {} };
  for (const table of ENROLL_DETAIL_TABLES) {
    const row = input.hostDetails[table];
    if (row) ingestDetail(table, [row], ingested);
  }
  // Node keys are 24 random bytes, as osquery expects; only their hash is stored.
  const nodeKey = randomBytes(24).toString('base64');
  await store.hosts.enroll(
    {
      osqueryHostId: input.hostIdentifier,
      nodeKeyHash: hashToken(nodeKey),
      teamId: secret.teamId,
      details: ingested.details,
      inventory: ingested.inventory,
    },
    clock(),
  );
  return { nodeKey };
}

/** Resolves a node key to its host and records the check-in (in memory; written in batches). */
export async function authenticateAgent(ctx: AgentCtx, nodeKey: string | undefined): Promise<Readonly<Host>> {
  if (!nodeKey) throw new AgentAuthError('authentication error: missing node key');
  const host = await ctx.deps.store.hosts.byNodeKeyHash(hashToken(nodeKey));
  if (!host) throw new AgentAuthError('authentication error: invalid node key');
  // The host's own seen time catches up when the batch is written; readers ask the tracker first.
  ctx.deps.seen.touch(host.id, ctx.deps.clock());
  return host;
}

/** The agent options that apply to a host: its team's, else the global ones; per-platform overrides win. */
export async function agentOptionsFor(ctx: AgentCtx, host: Readonly<Host>): Promise<JsonObject> {
  const team = host.teamId === null ? undefined : (await ctx.deps.store.teams.byIds([host.teamId]))[0];
  const options = team?.agentOptions ?? (await loadConfig(ctx)).agentOptions;
  const overrides = isObject(options.overrides) && isObject(options.overrides.platforms) ? options.overrides.platforms : {};
  const override = overrides[host.platform];
  return isObject(override) ? override : isObject(options.config) ? options.config : {};
}

/** osquery's config: the agent options plus the packs that target the host, in osquery's format. */
export async function agentConfig(ctx: AgentCtx, host: Readonly<Host>): Promise<JsonObject> {
  const { store, clock } = ctx.deps;
  const config: JsonObject = { ...(await agentOptionsFor(ctx, host)) };
  const packIds = new Set((await store.hosts.packIds([host])).get(host.id));
  // Most hosts are in no pack: no need to read them all.
  const packs = packIds.size === 0 ? [] : (await store.packs.list()).filter((p) => packIds.has(p.id) && !p.disabled);
  if (packs.length > 0) {
    const scheduled = await store.packs.scheduledQueries(packs.map((p) => p.id));
    const savedQueries = new Map((await store.savedQueries.byIds([...new Set(scheduled.map((s) => s.queryId))])).map((q) => [q.id, q]));
    config.packs = Object.fromEntries(
      packs.map((p) => [
        p.name,
        {
          ...(p.platform ? { platform: p.platform } : {}),
          queries: Object.fromEntries(
            scheduled
              .filter((s) => s.packId === p.id)
              .map((s) => [
                s.name,
                {
                  query: savedQueries.get(s.queryId)?.query ?? '',
                  interval: s.interval,
                  ...(s.platform ? { platform: s.platform } : {}),
                  ...(s.version ? { version: s.version } : {}),
                  ...(s.removed !== null ? { removed: s.removed } : {}),
                  ...(s.snapshot ? { snapshot: true } : {}),
                  ...(s.shard !== null ? { shard: s.shard } : {}),
                  ...(s.denylist !== null ? { denylist: s.denylist } : {}),
                },
              ]),
          ),
        },
      ]),
    );
  }
  const options = isObject(config.options) ? config.options : {};
  const intervals = {
    distributedInterval: Number(options.distributed_interval ?? host.distributedInterval) || 0,
    configTlsRefresh: Number(options.config_refresh ?? options.config_tls_refresh ?? host.configTlsRefresh) || 0,
    loggerTlsPeriod: Number(options.logger_tls_period ?? host.loggerTlsPeriod) || 0,
  };
  if (
    intervals.distributedInterval !== host.distributedInterval ||
    intervals.configTlsRefresh !== host.configTlsRefresh ||
    intervals.loggerTlsPeriod !== host.loggerTlsPeriod
  ) {
    await store.hosts.apply(host.id, emptyWrite({ details: intervals }), clock());
  }
  return config;
}

/** A write that changes nothing but what `w` says. */
export const emptyWrite = (w: Partial<AgentWrite>): AgentWrite => ({
  details: {},
  inventory: {},
  detailsUpdated: false,
  labelResults: new Map(),
  policyResults: new Map(),
  clearRefetch: false,
  ...w,
});

const stale = (at: Date | null, intervalSeconds: number, now: Date): boolean =>
  at === null || at.getTime() + intervalSeconds * 1000 <= now.getTime();

export type DistributedQueries = { queries: Record<string, string>; accelerate?: number };

/** What a host should run now: stale details, labels and policies, and live queries. */
export async function distributedRead(ctx: AgentCtx, host: Readonly<Host>): Promise<DistributedQueries> {
  const { store, clock, agentIntervals, liveQueries } = ctx.deps;
  const now = clock();
  const queries: Record<string, string> = {};
  const all = host.refetchRequested;
  if (all || stale(host.detailUpdatedAt, agentIntervals.detailSeconds, now)) {
    Object.assign(queries, detailQueriesFor(host.platform));
  }
  if (all || stale(host.labelUpdatedAt, agentIntervals.labelSeconds, now)) {
    for (const l of await store.labels.list()) {
      if (l.labelMembershipType !== 'dynamic' || l.query.trim() === '') continue;
      if (l.platform === '' || l.platform === host.platform) queries[LABEL_PREFIX + l.id] = l.query;
    }
  }
  if (all || stale(host.policyUpdatedAt, agentIntervals.policySeconds, now)) {
    const policies = [...(await store.policies.list(null)), ...(host.teamId === null ? [] : await store.policies.list(host.teamId))];
    let asked = false;
    for (const p of policies) {
      if (!policyAppliesTo(p.platform, host.platform)) continue;
      queries[POLICY_PREFIX + p.id] = p.query;
      asked = true;
    }
    // With nothing to ask, the host is up to date now; otherwise it would be stale, and listed, on every check-in.
    if (!asked) await store.hosts.apply(host.id, emptyWrite({ policiesChecked: true }), now);
  }
  for (const [campaignId, sql] of liveQueries.pendingFor(host)) queries[LIVE_PREFIX + campaignId] = sql;
  // osquery checks in faster while it has told us nothing about itself.
  return host.hostname === '' || host.platform === '' ? { queries, accelerate: 10 } : { queries };
}

export type DistributedWrite = {
  queries: Record<string, Row[]>;
  statuses: Record<string, number>;
  messages: Record<string, string>;
};

/** Ingests one check-in's answers. What cannot be ingested is reported, never fatal. */
export async function distributedWrite(
  ctx: AgentCtx,
  host: Readonly<Host>,
  write: DistributedWrite,
  report: (problem: string) => void,
): Promise<void> {
  const { store, clock, liveQueries } = ctx.deps;
  const ingested: Ingested = { details: {}, inventory: {} };
  const out = emptyWrite({ clearRefetch: host.refetchRequested });
  const names = new Set([...Object.keys(write.queries), ...Object.keys(write.statuses)]);
  for (const name of names) {
    const rows = write.queries[name] ?? [];
    const failed = (write.statuses[name] ?? 0) !== 0;
    if (name.startsWith(DETAIL_PREFIX)) {
      if (failed) continue;
      if (!ingestDetail(name.slice(DETAIL_PREFIX.length), rows, ingested)) report(`unknown detail query ${name}`);
      else out.detailsUpdated = true;
    } else if (name.startsWith(LABEL_PREFIX)) {
      const id = Number(name.slice(LABEL_PREFIX.length));
      if (Number.isSafeInteger(id)) out.labelResults.set(id, failed ? null : rows.length > 0);
      else report(`bad label query name ${name}`);
    } else if (name.startsWith(POLICY_PREFIX)) {
      const id = Number(name.slice(POLICY_PREFIX.length));
      if (Number.isSafeInteger(id)) out.policyResults.set(id, failed ? null : rows.length > 0);
      else report(`bad policy query name ${name}`);
    } else if (name.startsWith(LIVE_PREFIX)) {
      const id = Number(name.slice(LIVE_PREFIX.length));
      if (Number.isSafeInteger(id)) liveQueries.record(host, id, failed ? [] : rows, failed ? (write.messages[name] ?? 'query failed') : null);
      else report(`bad live query name ${name}`);
    } else {
      report(`unknown query name ${name}`);
    }
  }
  out.details = ingested.details;
  out.inventory = ingested.inventory;
  if (ingested.deviceToken) out.deviceTokenHash = hashToken(ingested.deviceToken);
  // A write carrying only live query answers touches no table: that is the campaigns' hot path.
  const nothingToStore =
    !out.detailsUpdated && !out.clearRefetch && !out.deviceTokenHash && out.labelResults.size === 0 && out.policyResults.size === 0;
  if (!nothingToStore) await store.hosts.apply(host.id, out, clock());
}

/** Status and result logs go to the log sink, each record tagged with the host it came from. */
export function writeAgentLog(ctx: AgentCtx, host: Readonly<Host>, kind: 'status' | 'result', records: unknown[]): void {
  ctx.deps.agentLog.write(
    kind,
    records.map((r) => (isObject(r) ? { ...r, fleetgraph_host_id: host.id } : { data: r, fleetgraph_host_id: host.id })),
  );
}
