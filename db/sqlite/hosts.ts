import { and, desc, asc, eq, getTableColumns, ne, or, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { LRUCache } from 'lru-cache';
import { MIA_MS, NEW_MS, ONLINE_BUFFER_SECONDS } from '../../resolvers/host-status.js';
import type { Host, HostInventory, HostVisibility } from '../../resolvers/model.js';
import type { HostFilter, HostStore } from '../../resolvers/ports.js';
import { AgentHostCache } from './agent-host-cache.js';
import { inList, inPlaceholderList, notInList, type SqliteDb } from './db.js';
import { preparePicked, prepareRows, type RowStatement } from './row-statements.js';
import * as t from './schema.js';

const toHost = (r: typeof t.hosts.$inferSelect): Host => {
  const { nodeKeyHash: _, ...rest } = r;
  return { ...rest, seenTime: r.seenTime ?? r.createdAt, updatedAt: r.updatedAt ?? r.createdAt };
};

const hostColumns: Record<string, SQLiteColumn> = getTableColumns(t.hosts);

/**
 * The columns of a sparse read: `id`, the fields asked for, and `createdAt` where a field falls
 * back to it, in one order whatever the order of the selection (so permuted selections share a
 * statement). Undefined when a name is not a stored host field: then whole hosts are read.
 */
function pickColumns(fields: ReadonlySet<keyof Host>): Record<string, SQLiteColumn> | undefined {
  const names = new Set<string>(fields);
  if (names.has('seenTime') || names.has('updatedAt')) names.add('createdAt');
  names.delete('id');
  const picked: Record<string, SQLiteColumn> = { id: hostColumns.id! };
  for (const name of [...names].sort()) {
    if (name === 'nodeKeyHash' || !Object.hasOwn(hostColumns, name)) return undefined;
    picked[name] = hostColumns[name]!;
  }
  return picked;
}

/** A sparse row as a Host: only its own fields are set (see HostStore.list). */
const toSparseHost = (r: Record<string, unknown>): Host => {
  if ('seenTime' in r) r.seenTime ??= r.createdAt;
  if ('updatedAt' in r) r.updatedAt ??= r.createdAt;
  return r as Host;
};

const emptyInventory = (): HostInventory => ({ users: null, software: null, batteries: null, deviceMapping: null, munki: null, mdm: null });

/* Status arithmetic in SQL mirrors resolvers/host-status.ts (Fleet's formula, in milliseconds). */
const seen = sql`coalesce(${t.hosts.seenTime}, ${t.hosts.createdAt})`;
const onlineUntil = sql`(${seen} + (min(${t.hosts.distributedInterval}, ${t.hosts.configTlsRefresh}) + ${ONLINE_BUFFER_SECONDS}) * 1000)`;

export function visibilityCond(v: HostVisibility): SQL | undefined {
  if (v.all) return undefined;
  if (v.teamIds.length === 0) return sql`0`;
  return inList(t.hosts.teamId, v.teamIds);
}

function filterConds(db: SqliteDb, f: HostFilter): SQL | undefined {
  const now = f.now.getTime();
  const conds: (SQL | undefined)[] = [visibilityCond(f.visibility)];
  if (f.search) {
    const like = `%${f.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conds.push(
      or(
        ...[t.hosts.hostname, t.hosts.computerName, t.hosts.uuid, t.hosts.hardwareSerial, t.hosts.primaryIp].map(
          (c) => sql`lower(${c}) LIKE ${like} ESCAPE '\\'`,
        ),
      ),
    );
  }
  if (f.status === 'online') conds.push(sql`${onlineUntil} > ${now}`);
  if (f.status === 'offline') conds.push(sql`${onlineUntil} <= ${now}`);
  if (f.status === 'mia') conds.push(sql`${seen} + ${MIA_MS} <= ${now}`);
  if (f.status === 'new') conds.push(sql`${t.hosts.createdAt} + ${NEW_MS} >= ${now}`);
  if (f.teamId === null) conds.push(sql`${t.hosts.teamId} IS NULL`);
  else if (f.teamId !== undefined) conds.push(eq(t.hosts.teamId, f.teamId));
  if (f.labelId !== undefined) {
    conds.push(sql`${t.hosts.id} IN (SELECT host_id FROM label_membership WHERE label_id = ${f.labelId})`);
  }
  if (f.excludeIds && f.excludeIds.length > 0) conds.push(notInList(t.hosts.id, f.excludeIds));
  if (f.targets) conds.push(targetsCond(db, f.targets));
  if (f.campaignId !== undefined) {
    conds.push(sql`${t.hosts.id} IN (SELECT host_id FROM campaign_hosts WHERE campaign_id = ${f.campaignId})`);
  }
  return and(...conds);
}

/**
 * Fleet's later target semantics: explicit host ids always count; otherwise a host must match one
 * of the selected built-in labels, one of the selected custom labels and one of the selected teams
 * (each group only when given; team 0 means "no team"). Selecting "All Hosts" selects every host.
 */
function targetsCond(db: SqliteDb, targets: { hostIds: number[]; labelIds: number[]; teamIds: number[] }): SQL {
  const byId = targets.hostIds.length > 0 ? inList(t.hosts.id, targets.hostIds) : sql`0`;
  if (targets.labelIds.length === 0 && targets.teamIds.length === 0) return byId;
  const labels = targets.labelIds.length === 0 ? [] : db.select().from(t.labels).where(inList(t.labels.id, targets.labelIds)).all();
  if (labels.some((l) => l.labelType === 'builtin' && l.name === 'All Hosts')) return sql`1`;
  const member = (ids: number[]) =>
    ids.length === 0 ? sql`1` : sql`${t.hosts.id} IN (SELECT host_id FROM label_membership WHERE ${inList(sql`label_id`, ids)})`;
  const builtin = member(labels.filter((l) => l.labelType === 'builtin').map((l) => l.id));
  const custom = member(labels.filter((l) => l.labelType !== 'builtin').map((l) => l.id));
  const unknownLabelsOnly = targets.labelIds.length > 0 && labels.length === 0;
  const teamIds = targets.teamIds.filter((id) => id !== 0);
  const team =
    targets.teamIds.length === 0
      ? sql`1`
      : or(teamIds.length > 0 ? inList(t.hosts.teamId, teamIds) : sql`0`, targets.teamIds.includes(0) ? sql`${t.hosts.teamId} IS NULL` : sql`0`)!;
  const group = unknownLabelsOnly ? sql`0` : and(builtin, custom, team)!;
  return or(byId, group)!;
}

export type HostStoreOptions = {
  /** Hosts kept in memory by node key for the agent API (0: none). */
  agentCacheHosts?: number;
};

export function createHostStore(db: SqliteDb, { agentCacheHosts = 0 }: HostStoreOptions = {}): HostStore {
  // Every agent request authenticates through this lookup: prepare it once, and keep the answers
  // (forgotten below wherever a host is written).
  const cache = agentCacheHosts > 0 ? new AgentHostCache(agentCacheHosts) : undefined;
  const byNodeKeyHash = prepareRows(db, t.hosts, db.select().from(t.hosts).where(eq(t.hosts.nodeKeyHash, sql.placeholder('hash'))));
  // One host's packs, asked by every agent config request: prepared once. The same rule as the
  // list query in `packIds` (the host's team as stored, and only for a host that exists).
  const packIdsOfHost = db.$client
    .prepare<{ host: number }, number>(
      `SELECT DISTINCT pt.pack_id FROM pack_targets pt
        WHERE EXISTS (SELECT 1 FROM hosts WHERE id = @host)
          AND ((pt.type = 'host' AND pt.target_id = @host)
            OR (pt.type = 'team' AND pt.target_id = (SELECT team_id FROM hosts WHERE id = @host))
            OR (pt.type = 'label' AND pt.target_id IN (SELECT label_id FROM label_membership WHERE host_id = @host)))
        ORDER BY pt.pack_id`,
    )
    .pluck();
  const byIds = (ids: readonly number[]) =>
    ids.length === 0 ? [] : db.select().from(t.hosts).where(inList(t.hosts.id, ids)).all().map(toHost);
  // Listing every host a page at a time (the hosts page, GraphQL hosts without filters) and the
  // labels of a page of hosts run on every such request: prepared once, pages per column set
  // asked for (whole rows, or the columns of a sparse read).
  const pages = new LRUCache<string, RowStatement<Record<string, unknown>>>({ max: 64 });
  const pageOf = (picked: Record<string, SQLiteColumn>, order: 'asc' | 'desc') => {
    const key = `${order} ${picked === hostColumns ? '*' : Object.keys(picked).join(',')}`;
    let statement = pages.get(key);
    if (!statement) {
      const query = db
        .select(picked)
        .from(t.hosts)
        .orderBy((order === 'desc' ? desc : asc)(t.hosts.id))
        .limit(sql.placeholder('limit'))
        .offset(sql.placeholder('offset'));
      pages.set(key, (statement = preparePicked(db, picked, query)));
    }
    return statement;
  };
  const plainTotal = db.select({ n: sql<number>`count(*)` }).from(t.hosts).prepare();
  const membership = { hostId: t.labelMembership.hostId, labelId: t.labelMembership.labelId };
  const labelsOfHosts = preparePicked(
    db,
    membership,
    db.select(membership).from(t.labelMembership).where(inPlaceholderList(t.labelMembership.hostId, 'hostIds')).orderBy(t.labelMembership.labelId),
  );

  return {
    async enroll(input, now) {
      const host = db.transaction(() => {
        const values = { ...input.details, nodeKeyHash: input.nodeKeyHash, teamId: input.teamId, lastEnrolledAt: now, updatedAt: now };
        const row = db
          .insert(t.hosts)
          .values({ ...values, osqueryHostId: input.osqueryHostId, createdAt: now, seenTime: now })
          .onConflictDoUpdate({ target: t.hosts.osqueryHostId, set: { ...values, seenTime: now } })
          .returning()
          .get();
        if (Object.keys(input.inventory).length > 0) {
          db.insert(t.hostInventory)
            .values({ hostId: row.id, ...input.inventory })
            .onConflictDoUpdate({ target: t.hostInventory.hostId, set: input.inventory })
            .run();
        }
        return toHost(row);
      });
      cache?.forget(host.id);
      return host;
    },
    async byNodeKeyHash(hash) {
      const cached = cache?.get(hash);
      if (cached) return cached;
      const r = byNodeKeyHash.get({ hash });
      if (!r) return undefined;
      const host = toHost(r);
      cache?.set(hash, host);
      return host;
    },
    async byDeviceTokenHash(hash) {
      const r = db
        .select({ host: t.hosts, updatedAt: t.hostDeviceAuth.updatedAt })
        .from(t.hostDeviceAuth)
        .innerJoin(t.hosts, eq(t.hosts.id, t.hostDeviceAuth.hostId))
        .where(eq(t.hostDeviceAuth.tokenHash, hash))
        .get();
      return r && { host: toHost(r.host), updatedAt: r.updatedAt };
    },
    async byId(id) {
      return byIds([id])[0];
    },
    async byIds(ids) {
      return byIds(ids);
    },
    async byHostnames(hostnames) {
      if (hostnames.length === 0) return [];
      return db.select().from(t.hosts).where(inList(t.hosts.hostname, hostnames)).all().map(toHost);
    },
    async apply(hostId, w, now) {
      cache?.forget(hostId);
      db.transaction(() => {
        const patch: Partial<typeof t.hosts.$inferInsert> = { ...w.details, updatedAt: now };
        if (w.detailsUpdated) patch.detailUpdatedAt = now;
        if (w.labelResults.size > 0) patch.labelUpdatedAt = now;
        if (w.policyResults.size > 0 || w.policiesChecked) patch.policyUpdatedAt = now;
        if (w.clearRefetch) patch.refetchRequested = false;
        db.update(t.hosts).set(patch).where(eq(t.hosts.id, hostId)).run();
        if (Object.keys(w.inventory).length > 0) {
          db.insert(t.hostInventory)
            .values({ hostId, ...w.inventory })
            .onConflictDoUpdate({ target: t.hostInventory.hostId, set: w.inventory })
            .run();
        }
        const members = [...w.labelResults].filter(([, m]) => m === true).map(([id]) => id);
        const nonMembers = [...w.labelResults].filter(([, m]) => m !== true).map(([id]) => id);
        if (nonMembers.length > 0) {
          db.delete(t.labelMembership)
            .where(and(eq(t.labelMembership.hostId, hostId), inList(t.labelMembership.labelId, nonMembers)))
            .run();
        }
        if (members.length > 0) {
          db.run(sql`INSERT OR IGNORE INTO label_membership (label_id, host_id)
            SELECT id, ${hostId} FROM labels WHERE ${inList(sql`id`, members)}`);
        }
        for (const [policyId, passes] of w.policyResults) {
          db.run(sql`INSERT INTO policy_membership (policy_id, host_id, passes, updated_at)
            SELECT id, ${hostId}, ${passes === null ? null : passes ? 1 : 0}, ${now.getTime()} FROM policies WHERE id = ${policyId}
            ON CONFLICT (policy_id, host_id) DO UPDATE SET passes = excluded.passes, updated_at = excluded.updated_at`);
        }
        if (w.deviceTokenHash) {
          // A token belongs to one host: the newest reporter takes it (a cloned or re-imaged
          // device), so the unique token_hash never fails the upsert.
          db.delete(t.hostDeviceAuth)
            .where(and(eq(t.hostDeviceAuth.tokenHash, w.deviceTokenHash), ne(t.hostDeviceAuth.hostId, hostId)))
            .run();
          db.insert(t.hostDeviceAuth)
            .values({ hostId, tokenHash: w.deviceTokenHash, updatedAt: now })
            .onConflictDoUpdate({ target: t.hostDeviceAuth.hostId, set: { tokenHash: w.deviceTokenHash, updatedAt: now } })
            .run();
        }
      });
    },
    async markSeen(seenTimes) {
      if (seenTimes.size === 0) return;
      const stmt = db
        .update(t.hosts)
        .set({ seenTime: sql`${sql.placeholder('seen')}` })
        .where(eq(t.hosts.id, sql.placeholder('id')))
        .prepare();
      db.transaction(() => {
        for (const [id, at] of seenTimes) stmt.run({ id, seen: at.getTime() });
      });
      for (const [id, at] of seenTimes) cache?.seen(id, at);
    },
    async requestRefetch(hostId, now) {
      cache?.forget(hostId);
      db.update(t.hosts).set({ refetchRequested: true, updatedAt: now }).where(eq(t.hosts.id, hostId)).run();
    },
    async inventory(hostIds) {
      const out = new Map(hostIds.map((id) => [id, emptyInventory()]));
      if (hostIds.length === 0) return out;
      for (const r of db.select().from(t.hostInventory).where(inList(t.hostInventory.hostId, hostIds)).all()) {
        const { hostId, ...inv } = r;
        const stored = inv as HostInventory;
        // JSON keeps dates as strings; the model speaks Date.
        stored.software = stored.software?.map((x) => ({ ...x, lastOpenedAt: x.lastOpenedAt ? new Date(x.lastOpenedAt) : null })) ?? null;
        out.set(hostId, stored);
      }
      return out;
    },
    async labelIds(hostIds) {
      const out = new Map(hostIds.map((id) => [id, [] as number[]]));
      if (hostIds.length === 0) return out;
      for (const r of labelsOfHosts.all({ hostIds: JSON.stringify(hostIds) })) out.get(r.hostId as number)?.push(r.labelId as number);
      return out;
    },
    async policyResults(hostIds) {
      const out = new Map(hostIds.map((id) => [id, new Map<number, boolean | null>()]));
      if (hostIds.length === 0) return out;
      for (const r of db.select().from(t.policyMembership).where(inList(t.policyMembership.hostId, hostIds)).all()) {
        out.get(r.hostId)?.set(r.policyId, r.passes);
      }
      return out;
    },
    async packIds(hostList) {
      const [only] = hostList;
      if (hostList.length === 1 && only) return new Map([[only.id, packIdsOfHost.all({ host: only.id })]]);
      const out = new Map(hostList.map((h) => [h.id, [] as number[]]));
      if (hostList.length === 0) return out;
      const ids = hostList.map((h) => h.id);
      const rows = db.all<{ host_id: number; pack_id: number }>(sql`
        SELECT h.id AS host_id, pt.pack_id FROM hosts h JOIN pack_targets pt
          ON (pt.type = 'host' AND pt.target_id = h.id)
          OR (pt.type = 'team' AND pt.target_id = h.team_id)
          OR (pt.type = 'label' AND pt.target_id IN (SELECT label_id FROM label_membership WHERE host_id = h.id))
        WHERE ${inList(sql`h.id`, ids)}
        GROUP BY h.id, pt.pack_id ORDER BY pt.pack_id`);
      for (const r of rows) out.get(r.host_id)?.push(r.pack_id);
      return out;
    },
    async memberIds(labelIds, visibility) {
      const out = new Map(labelIds.map((id) => [id, [] as number[]]));
      if (labelIds.length === 0) return out;
      const rows = db
        .select({ labelId: t.labelMembership.labelId, hostId: t.labelMembership.hostId })
        .from(t.labelMembership)
        .innerJoin(t.hosts, eq(t.hosts.id, t.labelMembership.hostId))
        .where(and(inList(t.labelMembership.labelId, labelIds), visibilityCond(visibility)))
        .orderBy(t.labelMembership.hostId)
        .all();
      for (const r of rows) out.get(r.labelId)?.push(r.hostId);
      return out;
    },
    async list(filter, page, fields) {
      const where = filterConds(db, filter);
      const picked = fields && pickColumns(fields);
      const order = page.order ?? 'asc';
      const bounds = { limit: page.limit, offset: page.offset };
      const columns = picked ?? hostColumns;
      // No condition at all (every host): the shape served by prepared statements.
      const rows: Record<string, unknown>[] =
        where === undefined
          ? pageOf(columns, order).all(bounds)
          : db
              .select(columns)
              .from(t.hosts)
              .where(where)
              .orderBy(order === 'desc' ? desc(t.hosts.id) : asc(t.hosts.id))
              .limit(page.limit)
              .offset(page.offset)
              .all();
      return picked ? rows.map(toSparseHost) : rows.map((r) => toHost(r as typeof t.hosts.$inferSelect));
    },
    async count(filter) {
      const now = filter.now.getTime();
      const r = db
        .select({
          total: sql<number>`count(*)`,
          online: sql<number>`coalesce(sum(${onlineUntil} > ${now}), 0)`,
          mia: sql<number>`coalesce(sum(${seen} + ${MIA_MS} <= ${now}), 0)`,
          new: sql<number>`coalesce(sum(${t.hosts.createdAt} + ${NEW_MS} >= ${now}), 0)`,
        })
        .from(t.hosts)
        .where(filterConds(db, filter))
        .get()!;
      return { total: r.total, online: r.online, offline: r.total - r.online, mia: r.mia, new: r.new };
    },
    async total(filter) {
      const where = filterConds(db, filter);
      if (where === undefined) return plainTotal.get()?.n ?? 0;
      return db.select({ n: sql<number>`count(*)` }).from(t.hosts).where(where).get()?.n ?? 0;
    },
    async countByTeam(filter) {
      const rows = db
        .select({ teamId: t.hosts.teamId, n: sql<number>`count(*)` })
        .from(t.hosts)
        .where(and(filterConds(db, filter), sql`${t.hosts.teamId} IS NOT NULL`))
        .groupBy(t.hosts.teamId)
        .all();
      return new Map(rows.map((r) => [r.teamId!, r.n]));
    },
  };
}
