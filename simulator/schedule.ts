import type { HostProfile, Row } from './host-profile.js';
import type { Platform } from './platform-mix.js';
import { stableUnit } from './random.js';

/** One query from the config's packs, as this host will run it. */
export interface ScheduledQuery {
  /** `pack<delim><pack><delim><query>`, the name osquery puts in result logs. */
  name: string;
  sql: string;
  intervalMs: number;
  snapshot: boolean;
  /** Differential queries also log rows that disappeared unless `removed: false`. */
  logRemoved: boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const asNumber = (value: unknown): number | undefined => {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

/** osquery's platform filter: comma-separated names, where linux and posix cover families. */
export function platformFilterMatches(filter: unknown, platform: Platform): boolean {
  if (typeof filter !== 'string' || filter.trim() === '') return true;
  const wanted = filter.split(',').map((p) => p.trim().toLowerCase());
  const names = new Set<string>(['all', 'any', platform]);
  if (platform === 'ubuntu' || platform === 'centos') names.add('linux').add('posix');
  if (platform === 'darwin') names.add('posix');
  return wanted.some((p) => names.has(p));
}

/** osquery shards by host: a host is in shard s of 100 if its stable bucket is below s. */
function inShard(shard: unknown, profile: HostProfile): boolean {
  const s = asNumber(shard);
  if (s === undefined || s <= 0 || s >= 100) return true;
  return stableUnit(profile.uuid, 'shard') * 100 < s;
}

export function scheduledQueriesFromConfig(config: Record<string, unknown>, profile: HostProfile): ScheduledQuery[] {
  const options = isRecord(config.options) ? config.options : {};
  const delimiter = typeof options.pack_delimiter === 'string' ? options.pack_delimiter : '/';
  const packs = isRecord(config.packs) ? config.packs : {};
  const out: ScheduledQuery[] = [];
  for (const [packName, pack] of Object.entries(packs)) {
    // A pack given as a string is a file path on the host; there is nothing to run.
    if (!isRecord(pack) || !isRecord(pack.queries)) continue;
    if (!platformFilterMatches(pack.platform, profile.platform) || !inShard(pack.shard, profile)) continue;
    for (const [queryName, query] of Object.entries(pack.queries)) {
      if (!isRecord(query) || typeof query.query !== 'string') continue;
      const interval = asNumber(query.interval);
      if (interval === undefined || interval <= 0) continue;
      if (!platformFilterMatches(query.platform, profile.platform) || !inShard(query.shard, profile)) continue;
      out.push({
        name: `pack${delimiter}${packName}${delimiter}${queryName}`,
        sql: query.query,
        intervalMs: interval * 1000,
        snapshot: query.snapshot === true,
        logRemoved: query.removed !== false,
      });
    }
  }
  return out;
}

/** osquery's calendarTime: `Fri Oct  6 18:13:04 2023 UTC`. */
export function calendarTime(ms: number): string {
  const d = new Date(ms);
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const time = d.toISOString().slice(11, 19);
  return `${day} ${month} ${String(d.getUTCDate()).padStart(2, ' ')} ${time} ${d.getUTCFullYear()} UTC`;
}

export interface ResultLogContext {
  hostIdentifier: string;
  decorations: Row;
  nowMs: number;
  /** Run counter per query, starting at 0 as osquery's does. */
  counter: number;
}

/** Differential result lines: one per added or removed row, as osquery's event format. */
export function differentialLines(query: ScheduledQuery, previous: readonly string[], rows: readonly Row[], context: ResultLogContext): { lines: unknown[]; current: string[] } {
  const current = rows.map((row) => JSON.stringify(row));
  const before = new Set(previous);
  const after = new Set(current);
  const common = {
    name: query.name,
    hostIdentifier: context.hostIdentifier,
    calendarTime: calendarTime(context.nowMs),
    unixTime: Math.floor(context.nowMs / 1000),
    epoch: 0,
    counter: context.counter,
    numerics: false,
    decorations: context.decorations,
  };
  const lines: unknown[] = [];
  for (const row of current) if (!before.has(row)) lines.push({ ...common, columns: JSON.parse(row) as Row, action: 'added' });
  if (query.logRemoved) for (const row of previous) if (!after.has(row)) lines.push({ ...common, columns: JSON.parse(row) as Row, action: 'removed' });
  return { lines, current };
}

export function snapshotLine(query: ScheduledQuery, rows: readonly Row[], context: ResultLogContext): unknown {
  return {
    name: query.name,
    hostIdentifier: context.hostIdentifier,
    calendarTime: calendarTime(context.nowMs),
    unixTime: Math.floor(context.nowMs / 1000),
    epoch: 0,
    counter: context.counter,
    numerics: false,
    decorations: context.decorations,
    snapshot: rows,
    action: 'snapshot',
  };
}
