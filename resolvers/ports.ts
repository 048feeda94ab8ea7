/**
 * The storage port. The domain declares it; `db/` implements it per dialect. Every method is
 * async and speaks domain types; every multi-row write is one method, hence one transaction.
 * Lookups return `undefined`; only the domain turns that into NotFoundError.
 */
import type { Readable } from 'node:stream';
import type {
  Campaign,
  CampaignResult,
  CampaignStatus,
  Host,
  HostDetails,
  HostInventory,
  HostStatus,
  HostTargets,
  HostVisibility,
  AppConfig,
  EnrollSecret,
  Label,
  Pack,
  Policy,
  Role,
  SavedQuery,
  ScheduledQuery,
  SpecApplyResult,
  SpecPlan,
  Team,
  TeamRole,
  User,
} from './model.js';

export type NewUser = {
  name: string;
  email: string;
  passwordHash: string;
  globalRole: Role | null;
  teams: TeamRole[];
  apiOnly: boolean;
};

export type UserWithSecret = User & { passwordHash: string };

export interface UserStore {
  count(): Promise<number>;
  byId(id: number): Promise<User | undefined>;
  byEmail(email: string): Promise<UserWithSecret | undefined>;
  list(): Promise<User[]>;
  /** Creates the user and, when `tokenHash` is given, a session for it. */
  create(input: NewUser, now: Date, tokenHash?: string): Promise<User>;
}

export interface SessionStore {
  create(userId: number, tokenHash: string, now: Date): Promise<number>;
  byTokenHash(tokenHash: string): Promise<{ id: number; userId: number; createdAt: Date } | undefined>;
  delete(id: number): Promise<void>;
}

export interface SetupStore {
  /**
   * Creates the first admin, its session and the initial config in one transaction.
   * Returns undefined (writing nothing) when any user already exists.
   */
  complete(admin: NewUser, config: AppConfig, tokenHash: string, now: Date): Promise<User | undefined>;
}

export interface AppConfigStore {
  get(): Promise<AppConfig | undefined>;
  save(config: AppConfig, now: Date): Promise<void>;
}

export interface SavedQueryStore {
  list(): Promise<SavedQuery[]>;
  byName(name: string): Promise<SavedQuery | undefined>;
  byIds(ids: readonly number[]): Promise<SavedQuery[]>;
  existingNames(names: readonly string[]): Promise<Set<string>>;
}

export interface PackStore {
  list(): Promise<Pack[]>;
  byName(name: string): Promise<Pack | undefined>;
  scheduledQueries(packIds: readonly number[]): Promise<ScheduledQuery[]>;
}

export interface LabelStore {
  list(): Promise<Label[]>;
  byName(name: string): Promise<Label | undefined>;
  byIds(ids: readonly number[]): Promise<Label[]>;
  byNames(names: readonly string[]): Promise<Label[]>;
  /** Hostnames of each label's members within `visibility`, sorted, keyed by label id. */
  memberHostnames(labelIds: readonly number[], visibility: HostVisibility): Promise<Map<number, string[]>>;
}

export interface TeamStore {
  list(): Promise<Team[]>;
  byName(name: string): Promise<Team | undefined>;
  byIds(ids: readonly number[]): Promise<Team[]>;
  byNames(names: readonly string[]): Promise<Team[]>;
}

export interface PolicyStore {
  /** `teamId` undefined lists every policy, null the global ones. */
  list(teamId?: number | null): Promise<Policy[]>;
}

export interface EnrollSecretStore {
  /** `teamId` null lists the global secrets. */
  list(teamId: number | null): Promise<EnrollSecret[]>;
  /** Secrets of several teams at once. */
  listByTeams(teamIds: readonly number[]): Promise<EnrollSecret[]>;
  bySecrets(secrets: readonly string[]): Promise<EnrollSecret[]>;
}

export interface SpecStore {
  /** Applies every kind in the plan in fleetctl's order in one transaction. */
  apply(plan: SpecPlan, authorId: number, now: Date): Promise<SpecApplyResult>;
}

export interface Store {
  users: UserStore;
  sessions: SessionStore;
  setup: SetupStore;
  appConfig: AppConfigStore;
  savedQueries: SavedQueryStore;
  packs: PackStore;
  labels: LabelStore;
  teams: TeamStore;
  policies: PolicyStore;
  enrollSecrets: EnrollSecretStore;
  specs: SpecStore;
  hosts: HostStore;
  campaigns: CampaignStore;
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  close(): void;
}

/* ---- hosts and agents ---- */

export type HostFilter = {
  visibility: HostVisibility;
  /** Case-insensitive substring of hostname, computer name, uuid, serial or primary IP. */
  search?: string;
  status?: HostStatus;
  /** null: hosts on no team. */
  teamId?: number | null;
  labelId?: number;
  excludeIds?: number[];
  targets?: HostTargets;
  /** Hosts a campaign targets. */
  campaignId?: number;
  now: Date;
};

export type HostCounts = { total: number; online: number; offline: number; mia: number; new: number };

/** Everything one distributed/write changes on a host, applied in one transaction. */
export type AgentWrite = {
  details: Partial<HostDetails>;
  inventory: Partial<HostInventory>;
  detailsUpdated: boolean;
  labelResults: Map<number, boolean | null>;
  policyResults: Map<number, boolean | null>;
  deviceTokenHash?: string;
  clearRefetch: boolean;
  /** Policies were checked with nothing to ask: the host's policy results are current. */
  policiesChecked?: boolean;
};

export type EnrollInput = {
  osqueryHostId: string;
  nodeKeyHash: string;
  teamId: number | null;
  details: Partial<HostDetails>;
  inventory: Partial<HostInventory>;
};

export interface HostStore {
  /** Upserts by identifier: a re-enrolling host keeps its id and gets a new key. */
  enroll(input: EnrollInput, now: Date): Promise<Host>;
  /** The answer may be shared with a cache: read it, don't change it. */
  byNodeKeyHash(hash: string): Promise<Readonly<Host> | undefined>;
  byDeviceTokenHash(hash: string): Promise<{ host: Host; updatedAt: Date } | undefined>;
  byId(id: number): Promise<Host | undefined>;
  byIds(ids: readonly number[]): Promise<Host[]>;
  byHostnames(hostnames: readonly string[]): Promise<Host[]>;
  apply(hostId: number, write: AgentWrite, now: Date): Promise<void>;
  /** Writes a batch of check-in times (the newest per host). */
  markSeen(seen: ReadonlyMap<number, Date>): Promise<void>;
  requestRefetch(hostId: number, now: Date): Promise<void>;
  inventory(hostIds: readonly number[]): Promise<Map<number, HostInventory>>;
  /** Label ids each host is a member of. */
  labelIds(hostIds: readonly number[]): Promise<Map<number, number[]>>;
  policyResults(hostIds: readonly number[]): Promise<Map<number, Map<number, boolean | null>>>;
  /** Ids of the packs targeting each host by label, team or id, keyed by host id. */
  packIds(hosts: readonly Readonly<Host>[]): Promise<Map<number, number[]>>;
  memberIds(labelIds: readonly number[], visibility: HostVisibility): Promise<Map<number, number[]>>;
  /**
   * A page of hosts. With `fields`, a sparse read for listings: only those host fields (and `id`)
   * are read and set, the others are left undefined; a name that is not a stored host field reads
   * whole hosts.
   */
  list(filter: HostFilter, page: { offset: number; limit: number; order?: 'asc' | 'desc' }, fields?: ReadonlySet<keyof Host>): Promise<Host[]>;
  count(filter: HostFilter): Promise<HostCounts>;
  /** How many hosts the filter selects, without the status breakdown. */
  total(filter: HostFilter): Promise<number>;
  /** Hosts per team among those the filter selects, keyed by team id. */
  countByTeam(filter: HostFilter): Promise<Map<number, number>>;
}

/**
 * Where live queries meet agents (implemented by the campaigns module): which campaigns a host
 * should run now, and where its answers go.
 */
export interface LiveQueryRouter {
  pendingFor(host: Readonly<Host>): Iterable<[campaignId: number, sql: string]>;
  record(host: Readonly<Host>, campaignId: number, rows: Record<string, string>[], error: string | null): void;
}

/** Where agents' status and result logs are written. */
export interface AgentLogSink {
  write(kind: 'status' | 'result', records: unknown[]): void;
}

/* ---- installers ---- */

/** A pre-built fleet-osquery package: pkg, msi, deb or rpm, optionally with Fleet Desktop. */
export type InstallerKey = { enrollSecret: string; kind: string; desktop: boolean };

/**
 * Where pre-built installers are kept, one per enroll secret, kind and desktop flag. An
 * implementation must never reach outside its own storage, whatever the key holds.
 */
export interface InstallerStore {
  /** The installer's size, or undefined when there is none. */
  stat(key: InstallerKey): Promise<{ size: number } | undefined>;
  /**
   * The installer opened for reading, or undefined when there is none. The size is that of the
   * opened file, so it matches the bytes streamed even if the file is replaced meanwhile.
   */
  open(key: InstallerKey): Promise<{ size: number; stream: Readable } | undefined>;
}

/* ---- live query campaigns ---- */

export type NewCampaign = {
  /** A saved query, or the ad-hoc query created with the campaign (in the same transaction). */
  query: { id: number } | { name: string; sql: string };
  userId: number;
  targets: HostTargets;
  hostIds: number[];
};

export interface CampaignStore {
  /**
   * Creates the campaign, its ad-hoc query if any (unsaved: never listed with saved queries) and
   * its resolved target hosts in one transaction.
   */
  create(input: NewCampaign, now: Date): Promise<Campaign>;
  byId(id: number): Promise<Campaign | undefined>;
  setStatus(id: number, status: CampaignStatus, now: Date): Promise<void>;
  /** Campaigns not complete, with their target hosts and the hosts that already answered. */
  listOpen(): Promise<{ campaign: Campaign; sql: string; hostIds: number[]; answered: number[] }[]>;
  appendResults(results: readonly CampaignResult[]): Promise<void>;
  /** Results after `afterSeq`, in order, at most `limit`. */
  results(campaignId: number, afterSeq: number, limit: number): Promise<CampaignResult[]>;
}

/**
 * The result store: the ordered stream of each campaign's results. The in-process implementation
 * serves one instance; a shared one (Redis) serves several. Nothing outside it assumes either.
 */
export interface ResultStore {
  /** Appends a result and gives it the next seq; undefined once the campaign's row cap is reached. */
  append(campaignId: number, result: Omit<CampaignResult, 'campaignId' | 'seq'>): Promise<CampaignResult | undefined>;
  /** Results after `afterSeq`, in order, at most `limit`. */
  read(campaignId: number, afterSeq: number, limit: number): Promise<CampaignResult[]>;
  /** The last seq appended, and whether the row cap has been reached. */
  head(campaignId: number): Promise<{ seq: number; rows: number; capped: boolean }>;
  /**
   * Calls `listener` with the newest seq after every append to the campaign, until the returned
   * function is called.
   * What a watched campaign needs stays cached until its last watcher leaves.
   */
  watch(campaignId: number, listener: (headSeq: number) => void): () => void;
  /** Forgets what is cached for a campaign that is over, once nobody watches it (its results stay readable). */
  release(campaignId: number): void;
  /** Resolves when the store answers. */
  health(): Promise<void>;
  close(): Promise<void>;
}
