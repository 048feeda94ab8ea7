import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { NotFoundError } from '../../resolvers/errors.js';
import type { ApplyCounts, LabelSpec, PackSpec, PolicySpec, QuerySpec, SpecApplyResult, TeamSpec } from '../../resolvers/model.js';
import type { SpecStore } from '../../resolvers/ports.js';
import { inPlaceholderList, type SqliteDb } from './db.js';
import { prepareWrite } from './row-statements.js';
import * as t from './schema.js';

const CHUNK = 500;
const chunks = <T>(xs: readonly T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
};

/** camelCase key → snake_case column, as db/sqlite/schema.ts names them. */
const toColumn = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function createSpecStore(db: SqliteDb): SpecStore {
  type Named = typeof t.savedQueries | typeof t.labels | typeof t.teams | typeof t.packs;
  // One prepared statement per table, the names bound as one JSON list: big applies look up
  // thousands of names without building SQL for every chunk of them.
  const byNames = new Map<Named, ReturnType<typeof prepareByNames>>();
  const prepareByNames = (table: Named) =>
    db.select({ id: table.id, name: table.name }).from(table).where(inPlaceholderList(table.name, 'names')).prepare();
  const idsByName = (table: Named, names: readonly string[]): Map<string, number> => {
    let stmt = byNames.get(table);
    if (!stmt) byNames.set(table, (stmt = prepareByNames(table)));
    return new Map(stmt.all({ names: JSON.stringify([...new Set(names)]) }).map((r) => [r.name, r.id]));
  };
  const counts = (names: string[], existing: Map<string, number>): ApplyCounts => {
    const unique = new Set(names);
    const updated = [...unique].filter((n) => existing.has(n)).length;
    return { created: unique.size - updated, updated };
  };
  const require = (map: Map<string, number>, type: string, name: string): number => {
    const id = map.get(name);
    if (id === undefined) throw new NotFoundError(type, name);
    return id;
  };

  /** Built once: a 10,000-spec apply runs one prepared statement, not 10,000 query builds. */
  const p = <K extends string>(name: K) => sql.placeholder(name);
  const queryColumns = {
    name: p('name'),
    description: p('description'),
    query: p('query'),
    observerCanRun: p('observerCanRun'),
    platform: p('platform'),
    minOsqueryVersion: p('minOsqueryVersion'),
    interval: p('interval'),
    automationsEnabled: p('automationsEnabled'),
    logging: p('logging'),
    authorId: p('authorId'),
    updatedAt: p('updatedAt'),
  };
  // A spec that changes nothing (updated_at aside) leaves its row alone, as MySQL's upsert does
  // for Fleet: re-applying a file writes only what it changes.
  const compared = Object.keys(queryColumns).filter((k) => k !== 'updatedAt').map(toColumn);
  const upsertQuery = prepareWrite(
    db,
    db
      .insert(t.savedQueries)
      .values({ ...queryColumns, createdAt: p('createdAt') })
      .onConflictDoUpdate({
        target: t.savedQueries.name,
        set: Object.fromEntries(Object.keys(queryColumns).map((k) => [k, sql.raw(`excluded.${toColumn(k)}`)])),
        setWhere: sql.raw(`(${compared.join(', ')}) IS NOT (${compared.map((c) => `excluded.${c}`).join(', ')})`),
      }),
  );

  const applyQueries = (specs: QuerySpec[], authorId: number, now: Date): ApplyCounts => {
    const result = counts(specs.map((s) => s.name), idsByName(t.savedQueries, specs.map((s) => s.name)));
    // Each row's parameters as one literal, not `{ ...s, authorId, updatedAt, createdAt }`: in V8
    // that spread plus three more keys made an object of about 1.5 KB per spec, and the loop took
    // twice as long (server issue 15 in docs/benchmarks.md).
    for (const s of specs) {
      const row = {
        name: s.name,
        description: s.description,
        query: s.query,
        observerCanRun: s.observerCanRun,
        platform: s.platform,
        minOsqueryVersion: s.minOsqueryVersion,
        interval: s.interval,
        automationsEnabled: s.automationsEnabled,
        logging: s.logging,
        authorId,
        updatedAt: now,
        createdAt: now,
      } satisfies Record<keyof typeof queryColumns | 'createdAt', unknown>;
      upsertQuery.run(row);
    }
    return result;
  };

  const applyLabels = (specs: LabelSpec[], now: Date): ApplyCounts => {
    const result = counts(specs.map((s) => s.name), idsByName(t.labels, specs.map((s) => s.name)));
    for (const { hosts, ...s } of specs) {
      const values = { ...s, labelType: 'regular', updatedAt: now };
      const { id } = db
        .insert(t.labels)
        .values({ ...values, createdAt: now })
        .onConflictDoUpdate({ target: t.labels.name, set: values })
        .returning({ id: t.labels.id })
        .get();
      if (hosts === null) continue;
      db.delete(t.labelMembership).where(eq(t.labelMembership.labelId, id)).run();
      for (const part of chunks(hosts)) {
        db.run(sql`INSERT OR IGNORE INTO label_membership (label_id, host_id)
          SELECT ${id}, id FROM hosts WHERE hostname IN ${part}`);
      }
    }
    return result;
  };

  const applyTeams = (specs: TeamSpec[], now: Date): ApplyCounts => {
    const existing = idsByName(t.teams, specs.map((s) => s.name));
    const result = counts(specs.map((s) => s.name), existing);
    for (const s of specs) {
      let id = existing.get(s.name);
      if (id === undefined) {
        id = db
          .insert(t.teams)
          .values({ name: s.name, agentOptions: s.agentOptions ?? null, createdAt: now })
          .returning({ id: t.teams.id })
          .get().id;
        existing.set(s.name, id);
      } else if (s.agentOptions !== undefined) {
        db.update(t.teams).set({ agentOptions: s.agentOptions }).where(eq(t.teams.id, id)).run();
      }
      if (s.secrets.length > 0) replaceSecrets(id, s.secrets, now);
    }
    return result;
  };

  /** Full replacement of one scope's secrets; a kept secret keeps its created_at. */
  const replaceSecrets = (teamId: number | null, secrets: string[], now: Date): ApplyCounts => {
    const scope = teamId === null ? isNull(t.enrollSecrets.teamId) : eq(t.enrollSecrets.teamId, teamId);
    const wanted = new Set(secrets);
    const current = db.select({ secret: t.enrollSecrets.secret }).from(t.enrollSecrets).where(scope).all();
    const drop = current.map((c) => c.secret).filter((c) => !wanted.has(c));
    for (const part of chunks(drop)) db.delete(t.enrollSecrets).where(and(scope, inArray(t.enrollSecrets.secret, part))).run();
    const have = new Set(current.map((c) => c.secret));
    let created = 0;
    for (const secret of wanted) {
      if (have.has(secret)) continue;
      db.insert(t.enrollSecrets).values({ secret, teamId, createdAt: now }).run();
      created += 1;
    }
    return { created, updated: wanted.size - created };
  };

  const applyPacks = (specs: PackSpec[], now: Date): ApplyCounts => {
    const result = counts(specs.map((s) => s.name), idsByName(t.packs, specs.map((s) => s.name)));
    const queryIds = idsByName(t.savedQueries, specs.flatMap((s) => s.queries.map((q) => q.query)));
    const labelIds = idsByName(t.labels, specs.flatMap((s) => s.targets.labels));
    const teamIds = idsByName(t.teams, specs.flatMap((s) => s.targets.teams));
    for (const { queries, targets, ...s } of specs) {
      const values = { ...s, updatedAt: now };
      const { id } = db
        .insert(t.packs)
        .values({ ...values, createdAt: now })
        .onConflictDoUpdate({ target: t.packs.name, set: values })
        .returning({ id: t.packs.id })
        .get();
      db.delete(t.packQueries).where(eq(t.packQueries.packId, id)).run();
      for (const { query, ...q } of queries) {
        db.insert(t.packQueries)
          .values({ ...q, packId: id, queryId: require(queryIds, 'Query', query) })
          .onConflictDoUpdate({ target: [t.packQueries.packId, t.packQueries.name], set: { ...q, queryId: require(queryIds, 'Query', query) } })
          .run();
      }
      db.delete(t.packTargets).where(and(eq(t.packTargets.packId, id), inArray(t.packTargets.type, ['label', 'team']))).run();
      const rows = [
        ...targets.labels.map((n) => ({ packId: id, type: 'label', targetId: require(labelIds, 'Label', n) })),
        ...targets.teams.map((n) => ({ packId: id, type: 'team', targetId: require(teamIds, 'Team', n) })),
      ];
      if (rows.length > 0) db.insert(t.packTargets).values(rows).onConflictDoNothing().run();
    }
    return result;
  };

  const applyPolicies = (specs: PolicySpec[], authorId: number, now: Date): ApplyCounts => {
    const existing = new Set(
      chunks(specs.map((s) => s.name)).flatMap((part) =>
        db.select({ name: t.policies.name }).from(t.policies).where(inArray(t.policies.name, part)).all().map((r) => r.name),
      ),
    );
    const teamIds = idsByName(t.teams, specs.map((s) => s.team).filter((n) => n !== ''));
    const updated = specs.filter((s) => existing.has(s.name)).length;
    for (const s of specs) {
      const changed = { query: s.query, description: s.description, resolution: s.resolution, authorId, updatedAt: now };
      db.insert(t.policies)
        .values({
          ...changed,
          name: s.name,
          platform: s.platform,
          teamId: s.team === '' ? null : require(teamIds, 'Team', s.team),
          createdAt: now,
        })
        .onConflictDoUpdate({ target: t.policies.name, set: changed })
        .run();
    }
    return { created: specs.length - updated, updated };
  };

  return {
    async apply(plan, authorId, now) {
      return db.transaction(() => {
        const result: SpecApplyResult = {};
        // Definitions before their uses, so a self-contained file applies whatever its order.
        if (plan.queries) result.queries = applyQueries(plan.queries, authorId, now);
        if (plan.labels) result.labels = applyLabels(plan.labels, now);
        if (plan.teams) result.teams = applyTeams(plan.teams, now);
        if (plan.enrollSecrets) result.enrollSecrets = replaceSecrets(null, plan.enrollSecrets, now);
        if (plan.packs) result.packs = applyPacks(plan.packs, now);
        if (plan.policies) result.policies = applyPolicies(plan.policies, authorId, now);
        return result;
      });
    },
  };
}
