/** Domain types: camelCase, numeric ids, Dates. Transports translate these, never extend them. */

export const GLOBAL_ROLES = ['admin', 'maintainer', 'observer', 'observer_plus', 'gitops'] as const;
export type Role = (typeof GLOBAL_ROLES)[number];

export type TeamRole = { teamId: number; role: Role };

export type User = {
  id: number;
  name: string;
  email: string;
  globalRole: Role | null;
  teams: TeamRole[];
  apiOnly: boolean;
  createdAt: Date;
  updatedAt: Date;
};

export type Viewer = { user: User; sessionId: number };

export type SavedQuery = {
  id: number;
  name: string;
  description: string;
  query: string;
  authorId: number | null;
  observerCanRun: boolean;
  platform: string;
  minOsqueryVersion: string;
  interval: number;
  automationsEnabled: boolean;
  logging: string;
  createdAt: Date;
  updatedAt: Date;
};

export type ScheduledQuery = {
  id: number;
  packId: number;
  queryId: number;
  queryName: string;
  name: string;
  description: string;
  interval: number;
  snapshot: boolean | null;
  removed: boolean | null;
  shard: number | null;
  platform: string | null;
  version: string | null;
  denylist: boolean | null;
};

export type Pack = {
  id: number;
  name: string;
  description: string;
  platform: string;
  disabled: boolean;
  labelIds: number[];
  teamIds: number[];
  hostIds: number[];
  createdAt: Date;
  updatedAt: Date;
};

export const LABEL_MEMBERSHIP_TYPES = ['dynamic', 'manual'] as const;
export type LabelMembershipType = (typeof LABEL_MEMBERSHIP_TYPES)[number];
export const LABEL_TYPES = ['regular', 'builtin'] as const;
export type LabelType = (typeof LABEL_TYPES)[number];

export type Label = {
  id: number;
  name: string;
  description: string;
  query: string;
  platform: string;
  labelType: LabelType;
  labelMembershipType: LabelMembershipType;
  createdAt: Date;
  updatedAt: Date;
};

export type JsonObject = { [key: string]: unknown };

export type Team = {
  id: number;
  name: string;
  description: string;
  agentOptions: JsonObject | null;
  createdAt: Date;
};

export type EnrollSecret = { secret: string; teamId: number | null; createdAt: Date };

export type Policy = {
  id: number;
  name: string;
  query: string;
  description: string;
  resolution: string;
  teamId: number | null;
  platform: string;
  authorId: number | null;
  createdAt: Date;
  updatedAt: Date;
};

export type AppConfig = {
  orgInfo: { orgName: string; orgLogoUrl: string };
  serverSettings: { serverUrl: string; liveQueryDisabled: boolean };
  agentOptions: JsonObject;
  fleetDesktop: { transparencyUrl: string };
};

export type LicenseTier = 'premium' | 'free';

/* ---- spec inputs (validated and normalized by the domain before the store sees them) ---- */

export type QuerySpec = {
  name: string;
  description: string;
  query: string;
  observerCanRun: boolean;
  platform: string;
  minOsqueryVersion: string;
  interval: number;
  automationsEnabled: boolean;
  logging: string;
};

export type PackSpecQuery = {
  query: string;
  name: string;
  description: string;
  interval: number;
  snapshot: boolean | null;
  removed: boolean | null;
  shard: number | null;
  platform: string | null;
  version: string | null;
  denylist: boolean | null;
};

export type PackSpec = {
  name: string;
  description: string;
  platform: string;
  disabled: boolean;
  targets: { labels: string[]; teams: string[] };
  queries: PackSpecQuery[];
};

export type LabelSpec = {
  name: string;
  description: string;
  query: string;
  platform: string;
  labelMembershipType: LabelMembershipType;
  /** Hostnames of a manual label's members; null for dynamic labels. */
  hosts: string[] | null;
};

export type TeamSpec = {
  name: string;
  /** undefined keeps the current options; null resets them to the global ones. */
  agentOptions: JsonObject | null | undefined;
  secrets: string[];
};

export type PolicySpec = {
  name: string;
  query: string;
  description: string;
  resolution: string;
  team: string;
  platform: string;
};

/** One atomic apply: every kind present is written in fleetctl's order, all or nothing. */
export type SpecPlan = {
  queries?: QuerySpec[];
  packs?: PackSpec[];
  labels?: LabelSpec[];
  policies?: PolicySpec[];
  enrollSecrets?: string[];
  teams?: TeamSpec[];
};

export type ApplyCounts = { created: number; updated: number };
export type SpecApplyResult = Partial<Record<keyof SpecPlan, ApplyCounts>>;
