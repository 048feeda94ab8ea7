import { count, eq, inArray, sql } from 'drizzle-orm';
import type { NewUser, SessionStore, SetupStore, UserStore, UserWithSecret } from '../../resolvers/ports.js';
import type { Role, User } from '../../resolvers/model.js';
import type { SqliteDb } from './db.js';
import { toRole } from './rows.js';
import * as t from './schema.js';

export function createUserStores(db: SqliteDb): { users: UserStore; sessions: SessionStore; setup: SetupStore } {
  // Every authenticated request runs these three lookups: prepare them once.
  const sessionByHash = db
    .select({ id: t.sessions.id, userId: t.sessions.userId, createdAt: t.sessions.createdAt })
    .from(t.sessions)
    .where(eq(t.sessions.tokenHash, sql.placeholder('hash')))
    .prepare();
  const userById = db.select().from(t.users).where(eq(t.users.id, sql.placeholder('id'))).prepare();
  const teamsOfUser = db.select().from(t.userTeams).where(eq(t.userTeams.userId, sql.placeholder('id'))).prepare();

  const withTeams = (rows: (typeof t.users.$inferSelect)[]): UserWithSecret[] => {
    if (rows.length === 0) return [];
    const memberships = db
      .select()
      .from(t.userTeams)
      .where(
        inArray(
          t.userTeams.userId,
          rows.map((r) => r.id),
        ),
      )
      .all();
    return rows.map((r) => ({
      ...r,
      globalRole: toRole(r.globalRole),
      teams: memberships.filter((m) => m.userId === r.id).map((m) => ({ teamId: m.teamId, role: m.role as Role })),
    }));
  };
  const userCount = (): number => db.select({ n: count() }).from(t.users).get()?.n ?? 0;
  const publicUser = ({ passwordHash: _, ...u }: UserWithSecret): User => u;

  const insertUser = (input: NewUser, now: Date, tokenHash?: string): User => {
    const row = db
      .insert(t.users)
      .values({ ...input, createdAt: now, updatedAt: now })
      .returning()
      .get();
    for (const team of input.teams) {
      db.insert(t.userTeams).values({ userId: row.id, teamId: team.teamId, role: team.role }).run();
    }
    if (tokenHash) db.insert(t.sessions).values({ userId: row.id, tokenHash, createdAt: now }).run();
    return publicUser(withTeams([row])[0]!);
  };

  const users: UserStore = {
    async count() {
      return userCount();
    },
    async byId(id) {
      const r = userById.get({ id });
      if (!r) return undefined;
      const teams = teamsOfUser.all({ id }).map((m) => ({ teamId: m.teamId, role: m.role as Role }));
      return publicUser({ ...r, globalRole: toRole(r.globalRole), teams });
    },
    async byEmail(email) {
      // Emails compare case-insensitively, as Fleet's MySQL collation does.
      return withTeams(db.select().from(t.users).where(sql`lower(${t.users.email}) = lower(${email})`).all())[0];
    },
    async list() {
      return withTeams(db.select().from(t.users).orderBy(t.users.id).all()).map(publicUser);
    },
    async create(input, now, tokenHash) {
      return db.transaction(() => insertUser(input, now, tokenHash));
    },
  };

  const sessions: SessionStore = {
    async create(userId, tokenHash, now) {
      return db.insert(t.sessions).values({ userId, tokenHash, createdAt: now }).returning().get().id;
    },
    async byTokenHash(tokenHash) {
      return sessionByHash.get({ hash: tokenHash });
    },
    async delete(id) {
      db.delete(t.sessions).where(eq(t.sessions.id, id)).run();
    },
  };

  const setup: SetupStore = {
    async complete(admin, config, tokenHash, now) {
      return db.transaction(() => {
        if (userCount() > 0) return undefined;
        const user = insertUser(admin, now, tokenHash);
        db.insert(t.appConfig)
          .values({ id: 1, json: config, updatedAt: now })
          .onConflictDoUpdate({ target: t.appConfig.id, set: { json: config, updatedAt: now } })
          .run();
        return user;
      });
    },
  };

  return { users, sessions, setup };
}
