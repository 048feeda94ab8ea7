import type { HostProfile, Row } from './host-profile.js';
import type { Platform } from './platform-mix.js';

/** What the running agent knows beyond its profile; osquery reports these through tables. */
export interface AgentRuntime {
  startedAtMs: number;
  configHash: string;
  distributedIntervalSeconds: number;
  configRefreshSeconds: number;
  loggerPeriodSeconds: number;
  now: () => number;
}

/** Tables that exist only on some platforms; querying them elsewhere fails as in osquery. */
const PLATFORM_TABLES: Readonly<Record<string, readonly Platform[]>> = {
  apps: ['darwin'],
  battery: ['darwin'],
  homebrew_packages: ['darwin'],
  mdm: ['darwin'],
  munki_info: ['darwin'],
  mounts: ['darwin', 'ubuntu', 'centos'],
  deb_packages: ['ubuntu'],
  rpm_packages: ['centos'],
  programs: ['windows'],
  logical_drives: ['windows'],
  windows_update_history: ['windows'],
  bitlocker_info: ['windows'],
  registry: ['windows'],
};

export function tableExists(table: string, platform: Platform): boolean {
  const only = PLATFORM_TABLES[table.toLowerCase()];
  return !only || only.includes(platform);
}

const seconds = (ms: number): number => Math.floor(ms / 1000);

export function uptimeRow(profile: HostProfile, runtime: AgentRuntime): Row {
  const total = profile.uptimeAtStartSeconds + seconds(runtime.now() - runtime.startedAtMs);
  return {
    days: String(Math.floor(total / 86_400)),
    hours: String(Math.floor((total % 86_400) / 3600)),
    minutes: String(Math.floor((total % 3600) / 60)),
    seconds: String(total % 60),
    total_seconds: String(total),
  };
}

export function osqueryInfoRow(profile: HostProfile, runtime: AgentRuntime): Row {
  const info = profile.osqueryInfo;
  return {
    version: info.version ?? '',
    build_platform: info.build_platform ?? '',
    build_distro: info.build_distro ?? '',
    uuid: info.uuid ?? '',
    instance_id: info.instance_id ?? '',
    config_hash: runtime.configHash,
    config_valid: runtime.configHash ? '1' : '0',
    extensions: info.extensions ?? 'active',
    pid: info.pid ?? '',
    start_time: String(seconds(runtime.startedAtMs)),
    watcher: info.watcher ?? '',
    platform_mask: info.platform_mask ?? '',
  };
}

export function osqueryFlagsRows(runtime: AgentRuntime): Row[] {
  return [
    { name: 'distributed_interval', value: String(runtime.distributedIntervalSeconds) },
    { name: 'config_tls_refresh', value: String(runtime.configRefreshSeconds) },
    { name: 'logger_tls_period', value: String(runtime.loggerPeriodSeconds) },
  ];
}

export function diskSpaceRow(profile: HostProfile): Row {
  const { totalGb, availableGb } = profile.disk;
  return {
    // Fleet's query divides integers, so the percentage has no decimals.
    percent_disk_space_available: String(Math.floor((availableGb * 100) / totalGb)),
    gigs_disk_space_available: availableGb.toFixed(2),
    gigs_total_disk_space: totalGb.toFixed(2),
  };
}

export function softwareRows(profile: HostProfile, runtime: AgentRuntime): Row[] {
  const started = seconds(runtime.startedAtMs);
  return profile.software.map((s) => ({
    name: s.name,
    version: s.version,
    source: s.source,
    bundle_identifier: s.bundleIdentifier,
    last_opened_at: s.lastOpenedSecondsAgo === null ? '' : String(started - s.lastOpenedSecondsAgo),
  }));
}

/**
 * The host's data as osquery tables, for statements the simulator evaluates itself (labels,
 * live and scheduled queries). Built lazily: most check-ins touch none of it.
 */
export function tableRows(table: string, profile: HostProfile, runtime: AgentRuntime): Row[] | undefined {
  const now = runtime.now();
  switch (table.toLowerCase()) {
    case 'os_version':
      return [profile.osVersion];
    case 'system_info':
      return [profile.systemInfo];
    case 'osquery_info':
      return [osqueryInfoRow(profile, runtime)];
    case 'osquery_flags':
      return osqueryFlagsRows(runtime);
    case 'platform_info':
      return [profile.platformInfo];
    case 'uptime':
      return [uptimeRow(profile, runtime)];
    case 'time':
      return [{ unix_time: String(seconds(now)), datetime: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z'), timezone: 'UTC' }];
    case 'interface_addresses':
    case 'interface_details':
      return profile.interfaces;
    case 'users':
      return profile.users;
    case 'processes':
      return profile.processes;
    case 'battery':
      return profile.batteries;
    case 'munki_info':
      return profile.munki ? [profile.munki] : [];
    case 'mdm':
      return profile.mdm ? [profile.mdm] : [];
    case 'google_chrome_profiles':
      return profile.chromeProfiles;
    case 'orbit_info':
      return [{ version: profile.orbit.version, device_auth_token: profile.orbit.deviceAuthToken }];
    case 'mounts':
    case 'logical_drives':
      return [diskSpaceRow(profile)];
    case 'apps':
    case 'programs':
    case 'deb_packages':
    case 'rpm_packages':
    case 'homebrew_packages':
    case 'chrome_extensions':
    case 'python_packages':
      return softwareRows(profile, runtime).filter((row) => row.source === table.toLowerCase());
    default:
      return undefined;
  }
}
