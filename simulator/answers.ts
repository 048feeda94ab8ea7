import type { HostProfile, Row } from './host-profile.js';
import {
  diskSpaceRow,
  osqueryFlagsRows,
  osqueryInfoRow,
  softwareRows,
  tableExists,
  tableRows,
  uptimeRow,
  type AgentRuntime,
} from './osquery-tables.js';
import { stableUnit } from './random.js';
import { evaluateWhere, parseSimpleSelect, project } from './sql-eval.js';

/** One query's outcome as osquery reports it: rows, a status (0 = ok) and an error text. */
export interface Answer {
  rows: Row[];
  status: number;
  message?: string;
}

export interface LiveQueryContext {
  profile: HostProfile;
  /** The name the server used, `fleet_distributed_query_<campaign id>`. */
  name: string;
  campaignId: string;
  sql: string;
  /** The answer the simulator would give; call it to decorate rather than replace. */
  defaultAnswer: () => Answer;
}

/** Return an Answer to replace the simulator's, or undefined to keep it. */
export type LiveQueryHook = (context: LiveQueryContext) => Answer | undefined;

export interface AnswerOptions {
  /** Share of (host, policy) pairs that pass. */
  policyPassRate: number;
  /** Share of (host, policy) pairs whose query fails with status 1. */
  policyErrorRate: number;
  /** Share of hosts in a label whose SQL the simulator cannot evaluate. */
  labelMemberRate: number;
  /** Upper bound for `<name>_<N>` row counts, so a typo cannot exhaust memory. */
  liveQueryMaxRows: number;
  onLiveQuery?: LiveQueryHook;
}

export const DEFAULT_ANSWER_OPTIONS: AnswerOptions = {
  policyPassRate: 0.85,
  policyErrorRate: 0.02,
  labelMemberRate: 0.5,
  liveQueryMaxRows: 10_000,
};

export const DETAIL_PREFIX = 'fleet_detail_query_';
export const LABEL_PREFIX = 'fleet_label_query_';
export const POLICY_PREFIX = 'fleet_policy_query_';
export const LIVE_PREFIX = 'fleet_distributed_query_';

const ok = (rows: Row[]): Answer => ({ rows, status: 0 });
const noSuchTable = (table: string): Answer => ({ rows: [], status: 1, message: `no such table: ${table}` });
const MEMBER: Row = { '1': '1' };

interface DetailAnswer {
  /** The table the real query reads; missing on this platform means osquery fails. */
  table?: (profile: HostProfile) => string;
  rows: (profile: HostProfile, runtime: AgentRuntime) => Row[];
}

const linuxPackages = (p: HostProfile): string => (p.platform === 'centos' ? 'rpm_packages' : 'deb_packages');

const DETAIL_ANSWERS: Readonly<Record<string, DetailAnswer>> = {
  osquery_info: { rows: (p, r) => [osqueryInfoRow(p, r)] },
  system_info: { rows: (p) => [p.systemInfo] },
  os_version: { rows: (p) => [p.osVersion] },
  osquery_flags: { rows: (_p, r) => osqueryFlagsRows(r) },
  uptime: { rows: (p, r) => [uptimeRow(p, r)] },
  network_interface: { rows: (p) => p.interfaces },
  network_interface_unix: { rows: (p) => p.interfaces },
  network_interface_windows: { rows: (p) => p.interfaces },
  disk_space_unix: { table: () => 'mounts', rows: (p) => [diskSpaceRow(p)] },
  disk_space_windows: { table: () => 'logical_drives', rows: (p) => [diskSpaceRow(p)] },
  users: { rows: (p) => p.users },
  software_macos: { table: () => 'apps', rows: softwareRows },
  software_linux: { table: linuxPackages, rows: softwareRows },
  software_windows: { table: () => 'programs', rows: softwareRows },
  battery: { table: () => 'battery', rows: (p) => p.batteries },
  munki_info: { table: () => 'munki_info', rows: (p) => (p.munki ? [p.munki] : []) },
  mdm: { table: () => 'mdm', rows: (p) => (p.mdm ? [p.mdm] : []) },
  google_chrome_profiles: { rows: (p) => p.chromeProfiles },
  orbit_info: { rows: (p) => [{ version: p.orbit.version, device_auth_token: p.orbit.deviceAuthToken }] },
};

function answerDetail(detail: string, profile: HostProfile, runtime: AgentRuntime): Answer {
  const known = DETAIL_ANSWERS[detail];
  if (!known) return ok([]);
  const table = known.table?.(profile);
  if (table && !tableExists(table, profile.platform)) return noSuchTable(table);
  return ok(known.rows(profile, runtime));
}

/** Columns a label may test, by the platform facts osquery exposes. */
function platformFacts(profile: HostProfile, sql: string): Row {
  const facts: Row = {
    platform: profile.osVersion.platform ?? '',
    platform_like: profile.osVersion.platform_like ?? '',
    build_platform: profile.osqueryInfo.build_platform ?? '',
    build_distro: profile.osqueryInfo.build_distro ?? '',
  };
  // `name` only means the OS name when the statement reads os_version.
  if (/\bos_version\b/i.test(sql)) facts.name = profile.osVersion.name ?? '';
  return facts;
}

/**
 * For statements too rich to evaluate (joins, subqueries) that still test the platform:
 * membership follows any platform comparison that matches, which is what such labels mean.
 */
function matchPlatformMentions(sql: string, profile: HostProfile): boolean | undefined {
  const facts = platformFacts(profile, sql);
  let seen = false;
  let matched = false;
  for (const m of sql.matchAll(/\b(platform|platform_like|build_platform|build_distro|name)\s*(=|==|like)\s*'([^']*)'/gi)) {
    const column = (m[1] ?? '').toLowerCase();
    const value = facts[column];
    if (value === undefined) continue;
    seen = true;
    const outcome = evaluateWhere(`${column} ${m[2]} '${(m[3] ?? '').replace(/'/g, "''")}'`, { [column]: value });
    matched ||= outcome === true;
  }
  return seen ? matched : undefined;
}

/**
 * Evaluates a statement against the host's own tables. Returns undefined when the statement
 * is beyond the evaluator, so the caller can decide how to guess.
 */
export function evaluateAgainstTables(sql: string, profile: HostProfile, runtime: AgentRuntime): Answer | undefined {
  const parsed = parseSimpleSelect(sql);
  if (!parsed || parsed.complex) return undefined;
  if (parsed.table === null) return ok([project(parsed.items, {}, () => '')]);
  if (!tableExists(parsed.table, profile.platform)) return noSuchTable(parsed.table);
  const rows = tableRows(parsed.table, profile, runtime);
  if (!rows) return undefined;
  if (parsed.where === null) return ok(rows.map((row) => project(parsed.items, row, () => '')));
  const where = parsed.where;
  const outcomes = rows.map((row) => evaluateWhere(where, row));
  if (outcomes.some((o) => o === undefined)) return undefined;
  return ok(rows.filter((_row, i) => outcomes[i]).map((row) => project(parsed.items, row, () => '')));
}

function answerLabel(name: string, sql: string, profile: HostProfile, runtime: AgentRuntime, options: AnswerOptions): Answer {
  const evaluated = evaluateAgainstTables(sql, profile, runtime);
  if (evaluated) return evaluated.status !== 0 ? evaluated : ok(evaluated.rows.length > 0 ? [MEMBER] : []);
  const byPlatform = matchPlatformMentions(sql, profile);
  if (byPlatform !== undefined) return ok(byPlatform ? [MEMBER] : []);
  return ok(stableUnit(profile.seed, profile.uuid, name, 'label') < options.labelMemberRate ? [MEMBER] : []);
}

function answerPolicy(name: string, profile: HostProfile, options: AnswerOptions): Answer {
  const roll = stableUnit(profile.seed, profile.uuid, name, 'policy');
  if (roll < options.policyErrorRate) {
    return { rows: [], status: 1, message: 'Error running query: simulated failure' };
  }
  // Both rates are shares of all hosts: [0, error) fails to run, the next `pass` passes.
  return ok(roll < options.policyErrorRate + options.policyPassRate ? [MEMBER] : []);
}

/**
 * `SELECT * FROM MyQuery_10` asks for 10 rows (osquery-perf's convention), which lets
 * benchmarks choose result sizes without special server data.
 */
export function requestedRowCount(sql: string, name: string, max: number): number {
  const fromTable = /\b(?:from|join)\s+["`]?[A-Za-z][A-Za-z0-9]*_(\d+)\b/i.exec(sql);
  const fromName = name.startsWith('fleet_') ? null : /^[A-Za-z][A-Za-z0-9]*_(\d+)$/.exec(name);
  const n = Number((fromTable ?? fromName)?.[1] ?? 1);
  return Math.max(0, Math.min(max, Number.isSafeInteger(n) ? n : 1));
}

function liveRows(sql: string, name: string, profile: HostProfile, runtime: AgentRuntime, options: AnswerOptions): Row[] {
  const count = requestedRowCount(sql, name, options.liveQueryMaxRows);
  const parsed = parseSimpleSelect(sql);
  const table = parsed?.table ?? null;
  const source = table ? tableRows(table, profile, runtime) : undefined;
  const items = parsed?.items ?? [{ column: null, key: '*', star: true }];
  const sentAt = String(runtime.now());
  const star = items.some((item) => item.star);
  return Array.from({ length: count }, (_, i) => {
    // Made-up tables get made-up columns: `id, name, value` for `*`, `<column>-<i>` otherwise.
    const synthetic: Row = star ? { id: String(i), name: `${table ?? 'row'}-${i}`, value: String(Math.floor(stableUnit(profile.uuid, sql, i) * 1e9)) } : {};
    const base = source && source.length > 0 ? (source[i % source.length] as Row) : synthetic;
    const row = project(items, base, (column) => (source ? '' : `${column}-${i}`));
    return { ...row, host: profile.hostname, sent_at: sentAt };
  });
}

function answerLive(name: string, sql: string, profile: HostProfile, runtime: AgentRuntime, options: AnswerOptions): Answer {
  const defaultAnswer = (): Answer => {
    const table = parseSimpleSelect(sql)?.table;
    if (table && !tableExists(table, profile.platform)) return noSuchTable(table);
    return ok(liveRows(sql, name, profile, runtime, options));
  };
  if (!options.onLiveQuery) return defaultAnswer();
  const campaignId = name.slice(LIVE_PREFIX.length);
  return options.onLiveQuery({ profile, name, campaignId, sql, defaultAnswer }) ?? defaultAnswer();
}

/** Answers one distributed query the way this host's osquery would. */
export function answerQuery(name: string, sql: string, profile: HostProfile, runtime: AgentRuntime, options: AnswerOptions = DEFAULT_ANSWER_OPTIONS): Answer {
  if (name.startsWith(DETAIL_PREFIX)) return answerDetail(name.slice(DETAIL_PREFIX.length), profile, runtime);
  if (name.startsWith(LABEL_PREFIX)) return answerLabel(name, sql, profile, runtime, options);
  if (name.startsWith(POLICY_PREFIX)) return answerPolicy(name, profile, options);
  if (name.startsWith(LIVE_PREFIX)) return answerLive(name, sql, profile, runtime, options);
  return ok([]);
}

/**
 * osquery runs a query only if its discovery statement returns rows. Fleet's discovery
 * statements check that a table exists; anything else we cannot evaluate counts as passing,
 * which errs towards answering.
 */
export function discoveryAllows(sql: string, profile: HostProfile, runtime: AgentRuntime): boolean {
  const registry = /\bosquery_registry\b[\s\S]*\bname\s*=\s*'([^']+)'/i.exec(sql);
  if (registry) return tableExists(registry[1] ?? '', profile.platform);
  const evaluated = evaluateAgainstTables(sql, profile, runtime);
  if (!evaluated) return true;
  return evaluated.status === 0 && evaluated.rows.length > 0;
}

/** Scheduled (pack) queries reuse the live-query rows without the latency marker. */
export function answerScheduled(sql: string, profile: HostProfile, runtime: AgentRuntime, options: AnswerOptions): Answer {
  const rows = liveRows(sql, '', profile, runtime, options).map(({ sent_at: _sentAt, host: _host, ...rest }) => rest);
  return ok(rows);
}
