/**
 * The detail queries fleetgraph asks agents, and how each answer updates the host. Names and
 * effects follow Fleet's (fleet-behavior.md §6.3); rows arrive with every value as a string.
 */
import { platformFamily } from './host-status.js';
import type { HostDetails, HostInventory } from './model.js';

export type Row = Record<string, string>;

export type Ingested = { details: Partial<HostDetails>; inventory: Partial<HostInventory>; deviceToken?: string };

type DetailQuery = {
  sql: string;
  /** Platform families it applies to; undefined = every host. */
  families?: readonly string[];
  ingest(rows: Row[], into: Ingested): void;
};

const int = (v: string | undefined): number => {
  const n = Number.parseInt(v ?? '', 10);
  return Number.isFinite(n) ? n : 0;
};
const num = (v: string | undefined): number => {
  const n = Number.parseFloat(v ?? '');
  return Number.isFinite(n) ? n : 0;
};
const str = (v: string | undefined): string => v ?? '';

function ingestOsVersion(r: Row, into: Ingested): void {
  const version = [r.major, r.minor, r.patch].every((p) => p !== undefined && p !== '')
    ? `${r.major}.${r.minor}.${r.patch}`
    : str(r.version);
  Object.assign(into.details, {
    platform: str(r.platform),
    platformLike: str(r.platform_like),
    codeName: str(r.codename),
    build: str(r.build),
    osVersion: [str(r.name), version].filter((s) => s !== '').join(' '),
  });
}

function ingestSystemInfo(r: Row, into: Ingested): void {
  Object.assign(into.details, {
    hostname: str(r.hostname),
    uuid: str(r.uuid),
    cpuType: str(r.cpu_type),
    cpuSubtype: str(r.cpu_subtype),
    cpuBrand: str(r.cpu_brand),
    cpuPhysicalCores: int(r.cpu_physical_cores),
    cpuLogicalCores: int(r.cpu_logical_cores),
    memory: int(r.physical_memory),
    hardwareVendor: str(r.hardware_vendor),
    hardwareModel: str(r.hardware_model),
    hardwareVersion: str(r.hardware_version),
    hardwareSerial: str(r.hardware_serial),
    computerName: str(r.computer_name),
  });
}

const isUsableIp = (ip: string): boolean =>
  ip !== '' && !ip.startsWith('127.') && !ip.startsWith('169.254.') && ip !== '::1' && !ip.toLowerCase().startsWith('fe80');

function ingestInterfaces(rows: Row[], into: Ingested): void {
  const usable = rows.filter((r) => isUsableIp(str(r.address)));
  const best = usable.find((r) => !str(r.address).includes(':')) ?? usable[0];
  if (best) Object.assign(into.details, { primaryIp: str(best.address), primaryMac: str(best.mac) });
}

function ingestFlags(rows: Row[], into: Ingested): void {
  for (const r of rows) {
    const value = int(r.value);
    if (r.name === 'distributed_interval') into.details.distributedInterval = value;
    if (r.name === 'config_tls_refresh' || r.name === 'config_refresh') into.details.configTlsRefresh = value;
    if (r.name === 'logger_tls_period') into.details.loggerTlsPeriod = value;
  }
}

function ingestSoftware(rows: Row[], into: Ingested): void {
  into.inventory.software = rows.map((r) => ({
    name: str(r.name),
    version: str(r.version),
    source: str(r.source),
    bundleIdentifier: str(r.bundle_identifier),
    lastOpenedAt: int(r.last_opened_at) > 0 ? new Date(int(r.last_opened_at) * 1000) : null,
  }));
}

const first = (f: (r: Row, into: Ingested) => void) => (rows: Row[], into: Ingested) => {
  if (rows[0]) f(rows[0], into);
};

const UNIX = ['darwin', 'linux'] as const;

export const DETAIL_QUERIES: Record<string, DetailQuery> = {
  osquery_info: {
    sql: 'SELECT * FROM osquery_info LIMIT 1',
    ingest: first((r, into) => (into.details.osqueryVersion = str(r.version))),
  },
  system_info: { sql: 'SELECT * FROM system_info LIMIT 1', ingest: first(ingestSystemInfo) },
  os_version: { sql: 'SELECT * FROM os_version LIMIT 1', ingest: first(ingestOsVersion) },
  osquery_flags: {
    sql: "SELECT name, value FROM osquery_flags WHERE name IN ('distributed_interval', 'config_tls_refresh', 'config_refresh', 'logger_tls_period')",
    ingest: ingestFlags,
  },
  uptime: {
    sql: 'SELECT * FROM uptime LIMIT 1',
    ingest: first((r, into) => (into.details.uptime = int(r.total_seconds) * 1e9)),
  },
  network_interface_unix: {
    sql: "SELECT ia.interface, ia.address, id.mac FROM interface_addresses ia JOIN interface_details id ON id.interface = ia.interface WHERE ia.address NOT LIKE '127.%' ORDER BY ia.interface",
    families: UNIX,
    ingest: ingestInterfaces,
  },
  network_interface_windows: {
    sql: "SELECT ia.interface, ia.address, id.mac FROM interface_addresses ia JOIN interface_details id ON id.interface = ia.interface WHERE ia.address NOT LIKE '127.%' AND id.physical_adapter = 1",
    families: ['windows'],
    ingest: ingestInterfaces,
  },
  disk_space_unix: {
    sql: "SELECT (blocks_available * 100 / blocks) AS percent_disk_space_available, round((blocks_available * blocks_size * 10e-10), 2) AS gigs_disk_space_available FROM mounts WHERE path = '/' LIMIT 1",
    families: UNIX,
    ingest: first((r, into) =>
      Object.assign(into.details, {
        percentDiskSpaceAvailable: num(r.percent_disk_space_available),
        gigsDiskSpaceAvailable: num(r.gigs_disk_space_available),
      }),
    ),
  },
  disk_space_windows: {
    sql: "SELECT ROUND((sum(free_space) * 100 * 10e-10) / (sum(size) * 10e-10)) AS percent_disk_space_available, ROUND(sum(free_space) * 10e-10) AS gigs_disk_space_available FROM logical_drives WHERE file_system = 'NTFS' LIMIT 1",
    families: ['windows'],
    ingest: first((r, into) =>
      Object.assign(into.details, {
        percentDiskSpaceAvailable: num(r.percent_disk_space_available),
        gigsDiskSpaceAvailable: num(r.gigs_disk_space_available),
      }),
    ),
  },
  users: {
    sql: "SELECT u.uid, u.username, u.type, g.groupname, u.shell FROM users u LEFT JOIN groups g ON g.gid = u.gid WHERE u.type <> 'special' AND u.shell NOT LIKE '%/false' AND u.shell NOT LIKE '%/nologin'",
    ingest: (rows, into) => {
      into.inventory.users = rows.map((r) => ({
        uid: int(r.uid),
        username: str(r.username),
        type: str(r.type),
        groupname: str(r.groupname),
        shell: str(r.shell),
      }));
    },
  },
  software_macos: {
    sql: "SELECT name, bundle_short_version AS version, 'apps' AS source, bundle_identifier, last_opened_time AS last_opened_at FROM apps",
    families: ['darwin'],
    ingest: ingestSoftware,
  },
  software_linux: {
    sql: "SELECT name, version, 'deb_packages' AS source, '' AS bundle_identifier FROM deb_packages UNION SELECT name, version, 'rpm_packages' AS source, '' AS bundle_identifier FROM rpm_packages",
    families: ['linux'],
    ingest: ingestSoftware,
  },
  software_windows: {
    sql: "SELECT name, version, 'programs' AS source, '' AS bundle_identifier FROM programs",
    families: ['windows'],
    ingest: ingestSoftware,
  },
  battery: {
    sql: 'SELECT serial_number, cycle_count, health FROM battery',
    families: ['darwin'],
    ingest: (rows, into) => {
      into.inventory.batteries = rows.map((r) => ({
        serialNumber: str(r.serial_number),
        cycleCount: int(r.cycle_count),
        health: str(r.health),
      }));
    },
  },
  munki_info: {
    sql: 'SELECT version FROM munki_info',
    families: ['darwin'],
    ingest: (rows, into) => (into.inventory.munki = rows[0] ? { version: str(rows[0].version) } : null),
  },
  mdm: {
    sql: 'SELECT enrolled, server_url, installed_from_dep FROM mdm',
    families: ['darwin'],
    ingest: (rows, into) => {
      const r = rows[0];
      into.inventory.mdm = r
        ? {
            enrollmentStatus: r.enrolled === 'true' ? (r.installed_from_dep === 'true' ? 'On (automatic)' : 'On (manual)') : 'Off',
            serverUrl: str(r.server_url),
            name: mdmName(str(r.server_url)),
            installedFromDep: r.installed_from_dep === 'true',
          }
        : null;
    },
  },
  google_chrome_profiles: {
    sql: "SELECT email FROM google_chrome_profiles WHERE NOT ephemeral AND email <> ''",
    ingest: (rows, into) => {
      const emails = [...new Set(rows.map((r) => str(r.email)).filter((e) => e !== ''))];
      into.inventory.deviceMapping = emails.map((email) => ({ email, source: 'google_chrome_profiles' }));
    },
  },
  orbit_info: {
    sql: 'SELECT version, device_auth_token FROM orbit_info',
    ingest: first((r, into) => {
      into.details.orbitVersion = str(r.version);
      if (r.device_auth_token) into.deviceToken = r.device_auth_token;
    }),
  },
};

/** A best-effort vendor name from the MDM server URL, as Fleet shows it. */
function mdmName(url: string): string {
  const host = (() => {
    try {
      return new URL(url).hostname;
    } catch {
      return '';
    }
  })();
  if (host.includes('kandji')) return 'Kandji';
  if (host.includes('jamf')) return 'Jamf';
  if (host.includes('simplemdm')) return 'SimpleMDM';
  if (host.includes('airwatch') || host.includes('awmdm')) return 'VMware Workspace ONE';
  if (host.includes('microsoft') || host.includes('manage.microsoft')) return 'Intune';
  return host === '' ? '' : 'Unknown';
}

export const DETAIL_PREFIX = 'fleet_detail_query_';

/** The detail queries for a host; a host whose platform is unknown yet gets the common ones. */
export function detailQueriesFor(platform: string): Record<string, string> {
  const family = platformFamily(platform);
  const out: Record<string, string> = {};
  for (const [name, q] of Object.entries(DETAIL_QUERIES)) {
    if (!q.families || (platform !== '' && q.families.includes(family))) out[DETAIL_PREFIX + name] = q.sql;
  }
  return out;
}

/** Applies one answer; returns false for a name fleetgraph never asks. */
export function ingestDetail(name: string, rows: Row[], into: Ingested): boolean {
  const q = DETAIL_QUERIES[name];
  if (!q) return false;
  q.ingest(rows, into);
  return true;
}

/** Enrollment carries some detail tables already (osquery's host_details). */
export const ENROLL_DETAIL_TABLES = ['os_version', 'osquery_info', 'system_info'] as const;
