import { and, asc, eq, gt, ne, sql } from 'drizzle-orm';
import type { Campaign, CampaignStatus, HostTargets } from '../../resolvers/model.js';
import type { CampaignStore } from '../../resolvers/ports.js';
import type { SqliteDb } from './db.js';
import * as t from './schema.js';

const toCampaign = (r: typeof t.campaigns.$inferSelect): Campaign => ({
  ...r,
  status: r.status as CampaignStatus,
  targets: r.targets as HostTargets,
});

export function createCampaignStore(db: SqliteDb): CampaignStore {
  return {
    async create(input, now) {
      return db.transaction(() => {
        const queryId =
          'id' in input.query
            ? input.query.id
            : db
                .insert(t.savedQueries)
                .values({ name: input.query.name, query: input.query.sql, authorId: input.userId, saved: false, createdAt: now, updatedAt: now })
                .returning({ id: t.savedQueries.id })
                .get().id;
        const row = db
          .insert(t.campaigns)
          .values({ queryId, userId: input.userId, status: 0, targets: input.targets, createdAt: now, updatedAt: now })
          .returning()
          .get();
        const stmt = db.insert(t.campaignHosts).values({ campaignId: row.id, hostId: sql.placeholder('hostId') }).prepare();
        for (const hostId of input.hostIds) stmt.run({ hostId });
        return toCampaign(row);
      });
    },
    async byId(id) {
      const r = db.select().from(t.campaigns).where(eq(t.campaigns.id, id)).get();
      return r && toCampaign(r);
    },
    async setStatus(id, status, now) {
      db.update(t.campaigns).set({ status, updatedAt: now }).where(eq(t.campaigns.id, id)).run();
    },
    async listOpen() {
      const rows = db
        .select({ campaign: t.campaigns, sql: t.savedQueries.query })
        .from(t.campaigns)
        .innerJoin(t.savedQueries, eq(t.savedQueries.id, t.campaigns.queryId))
        .where(ne(t.campaigns.status, 2))
        .all();
      return rows.map(({ campaign, sql: query }) => ({
        campaign: toCampaign(campaign),
        sql: query,
        hostIds: db
          .select({ id: t.campaignHosts.hostId })
          .from(t.campaignHosts)
          .where(eq(t.campaignHosts.campaignId, campaign.id))
          .all()
          .map((r) => r.id),
        answered: db
          .selectDistinct({ id: t.campaignResults.hostId })
          .from(t.campaignResults)
          .where(eq(t.campaignResults.campaignId, campaign.id))
          .all()
          .map((r) => r.id),
      }));
    },
    async appendResults(results) {
      if (results.length === 0) return;
      const stmt = db
        .insert(t.campaignResults)
        .values({
          campaignId: sql.placeholder('campaignId'),
          seq: sql.placeholder('seq'),
          hostId: sql.placeholder('hostId'),
          hostname: sql.placeholder('hostname'),
          displayName: sql.placeholder('displayName'),
          rows: sql.placeholder('rows'),
          error: sql.placeholder('error'),
          createdAt: sql.placeholder('createdAt'),
        })
        .onConflictDoNothing()
        .prepare();
      db.transaction(() => {
        for (const r of results) {
          stmt.run({ ...r });
        }
      });
    },
    async results(campaignId, afterSeq, limit) {
      return db
        .select()
        .from(t.campaignResults)
        .where(and(eq(t.campaignResults.campaignId, campaignId), gt(t.campaignResults.seq, afterSeq)))
        .orderBy(asc(t.campaignResults.seq))
        .limit(limit)
        .all()
        .map((r) => ({ ...r, rows: r.rows as Record<string, string>[] }));
    },
  };
}
