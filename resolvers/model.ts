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

/** A JSON object: not null, not an array. */
export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

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

/* ---- hosts ---- */

/** Host fields that agents report; each detail query fills some of them. */
export type HostDetails = {
  hostname: string;
  uuid: string;
  computerName: string;
  platform: string;
  platformLike: string;
  osVersion: string;
  build: string;
  codeName: string;
  osqueryVersion: string;
  /** Nanoseconds, as Fleet reports it. */
  uptime: number;
  memory: number;
  cpuType: string;
  cpuSubtype: string;
  cpuBrand: string;
  cpuPhysicalCores: number;
  cpuLogicalCores: number;
  hardwareVendor: string;
  hardwareModel: string;
  hardwareVersion: string;
  hardwareSerial: string;
  primaryIp: string;
  primaryMac: string;
  publicIp: string;
  distributedInterval: number;
  configTlsRefresh: number;
  loggerTlsPeriod: number;
  gigsDiskSpaceAvailable: number;
  percentDiskSpaceAvailable: number;
  orbitVersion: string;
};

export type Host = HostDetails & {
  id: number;
  osqueryHostId: string | null;
  teamId: number | null;
  refetchRequested: boolean;
  detailUpdatedAt: Date | null;
  labelUpdatedAt: Date | null;
  policyUpdatedAt: Date | null;
  lastEnrolledAt: Date | null;
  /** Last check-in; the enrollment time before the first one. */
  seenTime: Date;
  createdAt: Date;
  updatedAt: Date;
};

export type HostUser = { uid: number; username: string; type: string; groupname: string; shell: string };
export type HostSoftware = { name: string; version: string; source: string; bundleIdentifier: string; lastOpenedAt: Date | null };
export type HostBattery = { serialNumber: string; cycleCount: number; health: string };
export type DeviceMapping = { email: string; source: string };
export type MunkiInfo = { version: string };
export type MdmInfo = { enrollmentStatus: string; serverUrl: string; name: string; installedFromDep: boolean };

export type HostInventory = {
  users: HostUser[] | null;
  software: HostSoftware[] | null;
  batteries: HostBattery[] | null;
  deviceMapping: DeviceMapping[] | null;
  munki: MunkiInfo | null;
  mdm: MdmInfo | null;
};

export const HOST_STATUSES = ['online', 'offline', 'mia', 'new'] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

/** Which hosts a viewer may see: every host, or those of some teams. */
export type HostVisibility = { all: true } | { all: false; teamIds: number[] };

/** Fleet's HostTargets: a host is targeted by id, by label membership or by team (0 = no team). */
export type HostTargets = { hostIds: number[]; labelIds: number[]; teamIds: number[] };

export type PolicyResponse = 'pass' | 'fail' | '';

/* ---- live query campaigns ---- */

export const CAMPAIGN_STATUS = { waiting: 0, running: 1, complete: 2 } as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUS)[keyof typeof CAMPAIGN_STATUS];

export type Campaign = {
  id: number;
  queryId: number;
  userId: number | null;
  status: CampaignStatus;
  targets: HostTargets;
  createdAt: Date;
  updatedAt: Date;
};

/** One host's answer to a campaign; `seq` is its 1-based place in the stream (the cursor). */
export type CampaignResult = {
  campaignId: number;
  seq: number;
  hostId: number;
  hostname: string;
  displayName: string;
  rows: Record<string, string>[];
  error: string | null;
  createdAt: Date;
};
