import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import type { Store } from '../../resolvers/ports.js';
import { createCatalogStores } from './catalog.js';
import { toAppConfig } from './rows.js';
import { createCampaignStore } from './campaigns.js';
import { createHostStore, type HostStoreOptions } from './hosts.js';
import { createSpecStore } from './spec-apply.js';
import { createUserStores } from './users.js';
import * as t from './schema.js';

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** Opens (creating if needed) a SQLite file or ':memory:', applies migrations, returns the Store. */
export function openSqliteStore(path: string, options: HostStoreOptions = {}): Store {
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(sqlite);
  migrate(db, { migrationsFolder });
  // Read by every agent config request (osquery fetches its config every few seconds): prepared once.
  const appConfigRow = db.select().from(t.appConfig).where(eq(t.appConfig.id, 1)).prepare();

  return {
    ...createUserStores(db),
    ...createCatalogStores(db),
    specs: createSpecStore(db),
    hosts: createHostStore(db, options),
    campaigns: createCampaignStore(db),
    appConfig: {
      async get() {
        const row = appConfigRow.get();
        return row && toAppConfig(row.json);
      },
      async save(config, now) {
        db.insert(t.appConfig)
          .values({ id: 1, json: config, updatedAt: now })
          .onConflictDoUpdate({ target: t.appConfig.id, set: { json: config, updatedAt: now } })
          .run();
      },
    },
    async ping() {
      sqlite.prepare('SELECT 1').get();
    },
    close() {
      if (sqlite.open) sqlite.close();
    },
  };
}
