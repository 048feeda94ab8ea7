
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

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
  /** false for the ad-hoc queries live query campaigns create; those are never listed. */
  saved: integer('saved', { mode: 'boolean' }).notNull().default(true),
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
    /** The identifier the agent enrolled with (osquery's host_identifier). */
    osqueryHostId: text('osquery_host_id').unique(),
    nodeKeyHash: text('node_key_hash').unique(),
    hostname: text('hostname').notNull().default(''),
    uuid: text('uuid').notNull().default(''),
    computerName: text('computer_name').notNull().default(''),
    platform: text('platform').notNull().default(''),
    platformLike: text('platform_like').notNull().default(''),
    osVersion: text('os_version').notNull().default(''),
    build: text('build').notNull().default(''),
    codeName: text('code_name').notNull().default(''),
    osqueryVersion: text('osquery_version').notNull().default(''),
    uptime: integer('uptime').notNull().default(0),
    memory: integer('memory').notNull().default(0),
    cpuType: text('cpu_type').notNull().default(''),
    cpuSubtype: text('cpu_subtype').notNull().default(''),
    cpuBrand: text('cpu_brand').notNull().default(''),
    cpuPhysicalCores: integer('cpu_physical_cores').notNull().default(0),
    cpuLogicalCores: integer('cpu_logical_cores').notNull().default(0),
    hardwareVendor: text('hardware_vendor').notNull().default(''),
    hardwareModel: text('hardware_model').notNull().default(''),
    hardwareVersion: text('hardware_version').notNull().default(''),
    hardwareSerial: text('hardware_serial').notNull().default(''),
    primaryIp: text('primary_ip').notNull().default(''),
    primaryMac: text('primary_mac').notNull().default(''),
    publicIp: text('public_ip').notNull().default(''),
    distributedInterval: integer('distributed_interval').notNull().default(0),
    configTlsRefresh: integer('config_tls_refresh').notNull().default(0),
    loggerTlsPeriod: integer('logger_tls_period').notNull().default(0),
    gigsDiskSpaceAvailable: real('gigs_disk_space_available').notNull().default(0),
    percentDiskSpaceAvailable: real('percent_disk_space_available').notNull().default(0),
    orbitVersion: text('orbit_version').notNull().default(''),
    refetchRequested: integer('refetch_requested', { mode: 'boolean' }).notNull().default(false),
    detailUpdatedAt: integer('detail_updated_at', { mode: 'timestamp_ms' }),
    labelUpdatedAt: integer('label_updated_at', { mode: 'timestamp_ms' }),
    policyUpdatedAt: integer('policy_updated_at', { mode: 'timestamp_ms' }),
    lastEnrolledAt: integer('last_enrolled_at', { mode: 'timestamp_ms' }),
    seenTime: integer('seen_time', { mode: 'timestamp_ms' }),
    teamId: integer('team_id').references(() => teams.id, { onDelete: 'set null' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('hosts_hostname').on(t.hostname), index('hosts_team').on(t.teamId), index('hosts_seen').on(t.seenTime)],
);

/** Inventory that agents report wholesale (each column replaced as a unit). */
export const hostInventory = sqliteTable('host_inventory', {
  hostId: integer('host_id')
    .primaryKey()
    .references(() => hosts.id, { onDelete: 'cascade' }),
  users: text('users', { mode: 'json' }),
  software: text('software', { mode: 'json' }),
  batteries: text('batteries', { mode: 'json' }),
  deviceMapping: text('device_mapping', { mode: 'json' }),
  munki: text('munki', { mode: 'json' }),
  mdm: text('mdm', { mode: 'json' }),
});

export const hostDeviceAuth = sqliteTable('host_device_auth', {
  hostId: integer('host_id')
    .primaryKey()
    .references(() => hosts.id, { onDelete: 'cascade' }),
  tokenHash: text('token_hash').notNull().unique(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

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


export const policyMembership = sqliteTable(
  'policy_membership',
  {
    policyId: integer('policy_id')
      .notNull()
      .references(() => policies.id, { onDelete: 'cascade' }),
    hostId: integer('host_id')
      .notNull()
      .references(() => hosts.id, { onDelete: 'cascade' }),
    /** null: the query failed on the host (response ""). */
    passes: integer('passes', { mode: 'boolean' }),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.policyId, t.hostId] }), index('policy_membership_host').on(t.hostId)],
);

export const campaigns = sqliteTable('campaigns', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  queryId: integer('query_id')
    .notNull()
    .references(() => savedQueries.id, { onDelete: 'cascade' }),
  userId: integer('user_id').references(() => users.id, { onDelete: 'set null' }),
  /** 0 waiting, 1 running, 2 complete (Fleet's values). */
  status: integer('status').notNull().default(0),
  /** The selection as asked: {hostIds, labelIds, teamIds}. */
  targets: text('targets', { mode: 'json' }).notNull(),
  ...timestamps,
});

export const campaignHosts = sqliteTable(
  'campaign_hosts',
  {
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    hostId: integer('host_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.hostId] })],
);

export const campaignResults = sqliteTable(
  'campaign_results',
  {
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    /** 1-based position in the campaign's result stream (the cursor). */
    seq: integer('seq').notNull(),
    hostId: integer('host_id').notNull(),
    hostname: text('hostname').notNull(),
    displayName: text('display_name').notNull(),
    rows: text('rows', { mode: 'json' }).notNull(),
    error: text('error'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.seq] })],
);
