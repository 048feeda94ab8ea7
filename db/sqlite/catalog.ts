import { and, eq, isNull } from 'drizzle-orm';
import type {
  EnrollSecretStore,
  LabelStore,
  PackStore,
  PolicyStore,
  SavedQueryStore,
  TeamStore,
} from '../../resolvers/ports.js';
import type { Pack } from '../../resolvers/model.js';
import { inList, inPlaceholderList, type SqliteDb } from './db.js';
import { visibilityCond } from './hosts.js';
import { toEnrollSecret, toLabel, toPolicy, toSavedQuery, toTeam } from './rows.js';
import * as t from './schema.js';

export function createCatalogStores(db: SqliteDb): {
  savedQueries: SavedQueryStore;
  packs: PackStore;
  labels: LabelStore;
  teams: TeamStore;
  policies: PolicyStore;
  enrollSecrets: EnrollSecretStore;
} {
  const withTargets = (rows: (typeof t.packs.$inferSelect)[]): Pack[] => {
    if (rows.length === 0) return [];
    const targets = db
      .select()
      .from(t.packTargets)
      .where(
        inList(
          t.packTargets.packId,
          rows.map((r) => r.id),
        ),
      )
      .all();
    const ids = (packId: number, type: string) =>
      targets.filter((x) => x.packId === packId && x.type === type).map((x) => x.targetId);
    return rows.map((r) => ({ ...r, labelIds: ids(r.id, 'label'), teamIds: ids(r.id, 'team'), hostIds: ids(r.id, 'host') }));
  };
  // Loaded for every page of hosts that shows labels: prepared once.
  const labelsByIds = db.select().from(t.labels).where(inPlaceholderList(t.labels.id, 'ids')).prepare();

  return {
    savedQueries: {
      async list() {
        return db.select().from(t.savedQueries).where(eq(t.savedQueries.saved, true)).orderBy(t.savedQueries.id).all().map(toSavedQuery);
      },
      async byName(name) {
        const r = db
          .select()
          .from(t.savedQueries)
          .where(and(eq(t.savedQueries.name, name), eq(t.savedQueries.saved, true)))
          .get();
        return r && toSavedQuery(r);
      },
      async byIds(ids) {
        if (ids.length === 0) return [];
        return db
          .select()
          .from(t.savedQueries)
          .where(inList(t.savedQueries.id, ids))
          .all()
          .map(toSavedQuery);
      },
      async existingNames(names) {
        if (names.length === 0) return new Set();
        const rows = db
          .select({ name: t.savedQueries.name })
          .from(t.savedQueries)
          .where(inList(t.savedQueries.name, names))
          .all();
        return new Set(rows.map((r) => r.name));
      },
    },
    packs: {
      async list() {
        return withTargets(db.select().from(t.packs).orderBy(t.packs.id).all());
      },
      async byName(name) {
        return withTargets(db.select().from(t.packs).where(eq(t.packs.name, name)).all())[0];
      },
      async scheduledQueries(packIds) {
        if (packIds.length === 0) return [];
        return db
          .select({ sq: t.packQueries, queryName: t.savedQueries.name })
          .from(t.packQueries)
          .innerJoin(t.savedQueries, eq(t.savedQueries.id, t.packQueries.queryId))
          .where(inList(t.packQueries.packId, packIds))
          .orderBy(t.packQueries.id)
          .all()
          .map(({ sq, queryName }) => ({ ...sq, queryName }));
      },
    },
    labels: {
      async list() {
        return db.select().from(t.labels).orderBy(t.labels.id).all().map(toLabel);
      },
      async byName(name) {
        const r = db.select().from(t.labels).where(eq(t.labels.name, name)).get();
        return r && toLabel(r);
      },
      async byIds(ids) {
        if (ids.length === 0) return [];
        return labelsByIds.all({ ids: JSON.stringify(ids) }).map(toLabel);
      },
      async byNames(names) {
        if (names.length === 0) return [];
        return db
          .select()
          .from(t.labels)
          .where(inList(t.labels.name, names))
          .all()
          .map(toLabel);
      },
      async memberHostnames(labelIds, visibility) {
        const out = new Map<number, string[]>(labelIds.map((id) => [id, []]));
        if (labelIds.length === 0) return out;
        const rows = db
          .select({ labelId: t.labelMembership.labelId, hostname: t.hosts.hostname })
          .from(t.labelMembership)
          .innerJoin(t.hosts, eq(t.hosts.id, t.labelMembership.hostId))
          .where(and(inList(t.labelMembership.labelId, labelIds), visibilityCond(visibility)))
          .orderBy(t.hosts.hostname)
          .all();
        for (const r of rows) out.get(r.labelId)?.push(r.hostname);
        return out;
      },
    },
    teams: {
      async list() {
        return db.select().from(t.teams).orderBy(t.teams.id).all().map(toTeam);
      },
      async byName(name) {
        const r = db.select().from(t.teams).where(eq(t.teams.name, name)).get();
        return r && toTeam(r);
      },
      async byIds(ids) {
        if (ids.length === 0) return [];
        return db
          .select()
          .from(t.teams)
          .where(inList(t.teams.id, ids))
          .all()
          .map(toTeam);
      },
      async byNames(names) {
        if (names.length === 0) return [];
        return db
          .select()
          .from(t.teams)
          .where(inList(t.teams.name, names))
          .all()
          .map(toTeam);
      },
    },
    policies: {
      async list(teamId) {
        const q = db.select().from(t.policies);
        const filtered =
          teamId === undefined ? q : q.where(teamId === null ? isNull(t.policies.teamId) : eq(t.policies.teamId, teamId));
        return filtered.orderBy(t.policies.id).all().map(toPolicy);
      },
    },
    enrollSecrets: {
      async list(teamId) {
        return db
          .select()
          .from(t.enrollSecrets)
          .where(teamId === null ? isNull(t.enrollSecrets.teamId) : and(eq(t.enrollSecrets.teamId, teamId)))
          .orderBy(t.enrollSecrets.createdAt, t.enrollSecrets.secret)
          .all()
          .map(toEnrollSecret);
      },
      async listByTeams(teamIds) {
        if (teamIds.length === 0) return [];
        return db
          .select()
          .from(t.enrollSecrets)
          .where(inList(t.enrollSecrets.teamId, teamIds))
          .orderBy(t.enrollSecrets.createdAt, t.enrollSecrets.secret)
          .all()
          .map(toEnrollSecret);
      },
      async bySecrets(secrets) {
        if (secrets.length === 0) return [];
        return db
          .select()
          .from(t.enrollSecrets)
          .where(inList(t.enrollSecrets.secret, secrets))
          .all()
          .map(toEnrollSecret);
      },
    },
  };
}
