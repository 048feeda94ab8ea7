
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const timestamps = {
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
};

export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull(),
  email: text('email').notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  globalRole: text('global_role'),
  apiOnly: integer('api_only', { mode: 'boolean' }).notNull().default(false),
  ...timestamps,
});

export const teams = sqliteTable('teams', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  agentOptions: text('agent_options', { mode: 'json' }),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

export const userTeams = sqliteTable(
  'user_teams',
  {
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    teamId: integer('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.teamId] })],
);

export const sessions = sqliteTable('sessions', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  userId: integer('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

export const appConfig = sqliteTable('app_config', {
  id: integer('id').primaryKey(),
  json: text('json', { mode: 'json' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

export const savedQueries = sqliteTable('saved_queries', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  query: text('query').notNull(),
  authorId: integer('author_id').references(() => users.id, { onDelete: 'set null' }),
  observerCanRun: integer('observer_can_run', { mode: 'boolean' }).notNull().default(false),
  platform: text('platform').notNull().default(''),
  minOsqueryVersion: text('min_osquery_version').notNull().default(''),
  interval: integer('interval').notNull().default(0),
  automationsEnabled: integer('automations_enabled', { mode: 'boolean' }).notNull().default(false),
  logging: text('logging').notNull().default('snapshot'),
  ...timestamps,
});

export const packs = sqliteTable('packs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  platform: text('platform').notNull().default(''),
  disabled: integer('disabled', { mode: 'boolean' }).notNull().default(false),
  ...timestamps,
});

export const packQueries = sqliteTable(
  'pack_queries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    packId: integer('pack_id')
      .notNull()
      .references(() => packs.id, { onDelete: 'cascade' }),
    queryId: integer('query_id')
      .notNull()
      .references(() => savedQueries.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    interval: integer('interval').notNull(),
    snapshot: integer('snapshot', { mode: 'boolean' }),
    removed: integer('removed', { mode: 'boolean' }),
    shard: integer('shard'),
    platform: text('platform'),
    version: text('version'),
    denylist: integer('denylist', { mode: 'boolean' }),
  },
  (t) => [uniqueIndex('pack_queries_pack_name').on(t.packId, t.name), index('pack_queries_query').on(t.queryId)],
);

export const packTargets = sqliteTable(
  'pack_targets',
  {
    packId: integer('pack_id')
      .notNull()
      .references(() => packs.id, { onDelete: 'cascade' }),
    /** 'label' | 'team' | 'host' */
    type: text('type').notNull(),
    targetId: integer('target_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.packId, t.type, t.targetId] }), index('pack_targets_target').on(t.type, t.targetId)],
);

export const hosts = sqliteTable(
  'hosts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    hostname: text('hostname').notNull().default(''),
    teamId: integer('team_id').references(() => teams.id, { onDelete: 'set null' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('hosts_hostname').on(t.hostname)],
);

export const labels = sqliteTable('labels', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  description: text('description').notNull().default(''),
  query: text('query').notNull().default(''),
  platform: text('platform').notNull().default(''),
  labelType: text('label_type').notNull().default('regular'),
  labelMembershipType: text('label_membership_type').notNull().default('dynamic'),
  ...timestamps,
});

export const labelMembership = sqliteTable(
  'label_membership',
  {
    labelId: integer('label_id')
      .notNull()
      .references(() => labels.id, { onDelete: 'cascade' }),
    hostId: integer('host_id')
      .notNull()
      .references(() => hosts.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.labelId, t.hostId] }), index('label_membership_host').on(t.hostId)],
);

export const enrollSecrets = sqliteTable('enroll_secrets', {
  secret: text('secret').primaryKey(),
  teamId: integer('team_id').references(() => teams.id, { onDelete: 'cascade' }),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
});

export const policies = sqliteTable(
  'policies',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull().unique(),
    query: text('query').notNull(),
    description: text('description').notNull().default(''),
    resolution: text('resolution').notNull().default(''),
    teamId: integer('team_id').references(() => teams.id, { onDelete: 'cascade' }),
    platform: text('platform').notNull().default(''),
    authorId: integer('author_id').references(() => users.id, { onDelete: 'set null' }),
    ...timestamps,
  },
  (t) => [index('policies_team').on(t.teamId)],
);

