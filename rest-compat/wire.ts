/** Domain values → Fleet's JSON (snake_case, Fleet's omitempty rules). */
import type { AppConfigView } from '../resolvers/app-config.js';
import type { LabelSpecView } from '../resolvers/labels.js';
import type { EnrollSecret, SavedQuery, ScheduledQuery, User } from '../resolvers/model.js';
import type { PackDetails } from '../resolvers/packs.js';

/** Fleet's RFC 3339 times: whole seconds, and Go's zero time for a time never set. */
export const iso = (d: Date | null): string => (d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '0001-01-01T00:00:00Z');
/** Fleet's Go structs omit empty values with `omitempty`; this mirrors that per field. */
const omitEmpty = <T extends Record<string, unknown>>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== null && v !== undefined && v !== false && v !== 0)) as Partial<T>;

export const userJson = (u: User) => ({
  created_at: iso(u.createdAt),
  updated_at: iso(u.updatedAt),
  id: u.id,
  name: u.name,
  email: u.email,
  force_password_reset: false,
  gravatar_url: '',
  sso_enabled: false,
  global_role: u.globalRole,
  api_only: u.apiOnly,
  teams: u.teams.map((t) => ({ id: t.teamId, role: t.role })),
});

export const querySpecJson = (q: SavedQuery) => ({
  name: q.name,
  ...omitEmpty({ description: q.description }),
  query: q.query,
  ...omitEmpty({
    interval: q.interval,
    observer_can_run: q.observerCanRun,
    platform: q.platform,
    min_osquery_version: q.minOsqueryVersion,
    automations_enabled: q.automationsEnabled,
  }),
  ...(q.logging !== 'snapshot' ? { logging: q.logging } : {}),
});

const nullable = <T>(key: string, v: T | null) => (v === null ? {} : { [key]: v });

const scheduledJson = (q: ScheduledQuery) => ({
  query: q.queryName,
  name: q.name,
  description: q.description,
  interval: q.interval,
  ...nullable('snapshot', q.snapshot),
  ...nullable('removed', q.removed),
  ...nullable('shard', q.shard),
  ...nullable('platform', q.platform),
  ...nullable('version', q.version),
  ...nullable('denylist', q.denylist),
});

export const packSpecJson = ({ pack, queries, labelNames, teamNames }: PackDetails) => ({
  id: pack.id,
  name: pack.name,
  ...omitEmpty({ description: pack.description, platform: pack.platform }),
  disabled: pack.disabled,
  targets: { labels: labelNames.length > 0 ? labelNames : null, teams: teamNames.length > 0 ? teamNames : null },
  ...(queries.length > 0 ? { queries: queries.map(scheduledJson) } : {}),
});

export const labelSpecJson = ({ label: l, hosts }: LabelSpecView) => ({
  id: l.id,
  name: l.name,
  description: l.description,
  query: l.query,
  ...omitEmpty({ platform: l.platform }),
  ...(l.labelType === 'builtin' ? { label_type: 'builtin' } : {}),
  label_membership_type: l.labelMembershipType,
  ...(hosts !== null ? { hosts } : {}),
});

export const enrollSecretJson = (s: EnrollSecret) => ({
  secret: s.secret,
  created_at: iso(s.createdAt),
  ...(s.teamId !== null ? { team_id: s.teamId } : {}),
});

export const configJson = (c: AppConfigView) => ({
  org_info: { org_name: c.orgInfo.orgName, org_logo_url: c.orgInfo.orgLogoUrl },
  server_settings: { server_url: c.serverSettings.serverUrl, live_query_disabled: c.serverSettings.liveQueryDisabled },
  agent_options: c.agentOptions,
  fleet_desktop: { transparency_url: c.fleetDesktop.transparencyUrl },
  license: { tier: c.license.tier },
});
