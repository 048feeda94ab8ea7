/**
 * The storage port. The domain declares it; `db/` implements it per dialect. Every method is
 * async and speaks domain types; every multi-row write is one method, hence one transaction.
 * Lookups return `undefined`; only the domain turns that into NotFoundError.
 */
import type {
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
  byTokenHash(tokenHash: string): Promise<{ id: number; userId: number } | undefined>;
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
  /** Hostnames of each label's members, keyed by label id. */
  memberHostnames(labelIds: readonly number[]): Promise<Map<number, string[]>>;
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
  /** Resolves when the database answers. */
  ping(): Promise<void>;
  close(): void;
}
