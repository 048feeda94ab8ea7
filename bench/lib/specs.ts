/** Saved-query specs for the read and apply benchmarks, the same for the server and its baseline. */
export type QuerySpecWire = {
  name: string;
  description: string;
  query: string;
  interval: number;
  platform: string;
  observer_can_run: boolean;
  automations_enabled: boolean;
  logging: string;
  min_osquery_version: string;
};

const PLATFORMS = ['', 'darwin', 'linux', 'windows', 'darwin,linux'];
const LOGGING = ['snapshot', 'differential', 'differential_ignore_removals'];

/** `count` Fleet query specs named `<prefix>-<i>`; `variant` changes their contents (not their names). */
export function querySpecs(prefix: string, count: number, variant = 0): QuerySpecWire[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `${prefix}-${String(i).padStart(6, '0')}`,
    description: `Benchmark query ${i} of ${prefix}: processes listening on a port${variant ? ` (v${variant})` : ''}`,
    query: `SELECT p.pid, p.name, l.port FROM processes p JOIN listening_ports l USING (pid) WHERE l.port > ${1000 + (i % 60_000)}${variant ? ` AND p.pid > ${variant}` : ''};`,
    interval: [0, 300, 3600, 86_400][i % 4]!,
    platform: PLATFORMS[i % PLATFORMS.length]!,
    observer_can_run: i % 3 === 0,
    automations_enabled: i % 7 === 0,
    logging: LOGGING[i % LOGGING.length]!,
    min_osquery_version: i % 5 === 0 ? '5.4.0' : '',
  }));
}

/** The same specs as GraphQL QuerySpecInput values. */
export const toGraphQLSpecs = (specs: QuerySpecWire[]) =>
  specs.map((s) => ({
    name: s.name,
    description: s.description,
    query: s.query,
    interval: s.interval,
    platform: s.platform,
    observerCanRun: s.observer_can_run,
    automationsEnabled: s.automations_enabled,
    logging: s.logging,
    minOsqueryVersion: s.min_osquery_version,
  }));
