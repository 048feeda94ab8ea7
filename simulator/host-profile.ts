import { randomUUID } from 'node:crypto';
import { DEFAULT_PLATFORM_MIX, platformForIndex, type Platform, type PlatformMix } from './platform-mix.js';
import { createRng, type Rng, type Seed } from './random.js';
import { SOFTWARE_CATALOG } from './software-catalog.js';

/** One osquery result row: osquery sends every value as a string. */
export type Row = Record<string, string>;

export interface InstalledSoftware {
  name: string;
  version: string;
  source: string;
  bundleIdentifier: string;
  /** Seconds before the agent started; null when the source has no such notion. */
  lastOpenedSecondsAgo: number | null;
}

/**
 * Everything about one simulated host that does not change while it runs. Values that
 * depend on the clock (uptime, start time, last-opened times) are derived from these when a
 * query is answered, so the profile itself is a pure function of (seed, index, platform).
 */
export interface HostProfile {
  seed: Seed;
  index: number;
  platform: Platform;
  uuid: string;
  /** What the agent sends as host_identifier (osquery's --host_identifier=uuid). */
  hostIdentifier: string;
  hostname: string;
  computerName: string;
  osVersion: Row;
  systemInfo: Row;
  /** Static columns; pid/start_time/config_hash are filled by the running agent. */
  osqueryInfo: Row;
  platformInfo: Row;
  uptimeAtStartSeconds: number;
  primaryIp: string;
  primaryMac: string;
  interfaces: Row[];
  disk: { totalGb: number; availableGb: number };
  users: Row[];
  software: InstalledSoftware[];
  batteries: Row[];
  munki: Row | null;
  mdm: Row | null;
  chromeProfiles: Row[];
  orbit: { version: string; deviceAuthToken: string };
  processes: Row[];
}

interface Person {
  first: string;
  last: string;
}

const FIRST_NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'uma', 'victor', 'wendy', 'xavier', 'yuki', 'zoe', 'amara', 'bruno', 'chen', 'dara', 'emeka', 'farah', 'goran'];
const LAST_NAMES = ['smith', 'jones', 'garcia', 'nguyen', 'kim', 'patel', 'muller', 'rossi', 'silva', 'novak', 'okafor', 'tanaka', 'larsen', 'dubois', 'cohen', 'ali', 'murphy', 'kowalski', 'haddad', 'berg'];
const SERVER_ROLES = ['web', 'api', 'db', 'cache', 'worker', 'build', 'queue', 'search', 'proxy', 'batch'];
const ENVIRONMENTS = ['prod', 'staging', 'dev', 'qa'];
const OSQUERY_VERSIONS = ['5.10.2', '5.11.0', '5.12.1', '5.12.2', '5.13.1', '5.14.1'];
const ORBIT_VERSIONS = ['1.28.0', '1.29.0', '1.30.0', '1.31.0', '1.32.0'];
const GIB = 1024 ** 3;

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

function formatUuid(rng: Rng, upper: boolean): string {
  const hex = rng.hex(32).split('');
  hex[12] = '4';
  hex[16] = '89ab'[rng.int(0, 3)] as string;
  const s = hex.join('');
  const uuid = `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  return upper ? uuid.toUpperCase() : uuid;
}

function macAddress(rng: Rng): string {
  // Clear the multicast bit and set nothing else special: looks like a vendor NIC.
  const first = rng.int(0, 255) & 0xfc;
  return [first, ...Array.from({ length: 5 }, () => rng.int(0, 255))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join(':');
}

/** Distinct per index so that a fleet never reports two hosts with the same primary IP. */
function primaryIpFor(platform: Platform, index: number): string {
  const host = 1 + (index % 253);
  const third = Math.floor(index / 253) % 256;
  const second = Math.floor(index / (253 * 256)) % 256;
  return platform === 'ubuntu' || platform === 'centos' ? `172.${16 + (second % 16)}.${third}.${host}` : `10.${second}.${third}.${host}`;
}

interface OsChoice {
  osVersion: Row;
  buildDistro: string;
}

function chooseOs(platform: Platform, rng: Rng, arch: string): OsChoice {
  switch (platform) {
    case 'darwin': {
      const [version, build] = rng.pick([
        ['13.6.7', '22G720'],
        ['14.5', '23F79'],
        ['14.6.1', '23G93'],
        ['15.0.1', '24A348'],
        ['15.1', '24B83'],
      ] as const);
      const [major = '0', minor = '0', patch = '0'] = version.split('.');
      return {
        osVersion: { name: 'macOS', version, major, minor, patch, build, platform: 'darwin', platform_like: 'darwin', codename: '', arch },
        buildDistro: '10.14',
      };
    }
    case 'ubuntu': {
      const [version, codename, major, minor, patch] = rng.pick([
        ['20.04.6 LTS (Focal Fossa)', 'focal', '20', '4', '6'],
        ['22.04.4 LTS (Jammy Jellyfish)', 'jammy', '22', '4', '4'],
        ['22.04.5 LTS (Jammy Jellyfish)', 'jammy', '22', '4', '5'],
        ['24.04.1 LTS (Noble Numbat)', 'noble', '24', '4', '1'],
      ] as const);
      return {
        osVersion: { name: 'Ubuntu', version, major, minor, patch, build: '', platform: 'ubuntu', platform_like: 'debian', codename, arch },
        buildDistro: 'xenial',
      };
    }
    case 'centos': {
      const [name, version, major, minor, patch, like] = rng.pick([
        ['CentOS Linux', 'CentOS Linux release 7.9.2009 (Core)', '7', '9', '2009', 'rhel'],
        ['CentOS Stream', '8', '8', '0', '0', 'rhel fedora'],
        ['CentOS Stream', '9', '9', '0', '0', 'rhel fedora'],
      ] as const);
      return {
        osVersion: { name, version, major, minor, patch, build: '', platform: 'centos', platform_like: like, codename: '', arch },
        buildDistro: 'centos7',
      };
    }
    case 'windows': {
      const [edition, build, displayVersion] = rng.pick([
        ['Microsoft Windows 10 Enterprise', '19045', '22H2'],
        ['Microsoft Windows 10 Pro', '19045', '22H2'],
        ['Microsoft Windows 11 Enterprise', '22631', '23H2'],
        ['Microsoft Windows 11 Pro', '22631', '23H2'],
        ['Microsoft Windows 11 Pro', '26100', '24H2'],
      ] as const);
      return {
        osVersion: {
          name: edition,
          version: `10.0.${build}`,
          major: '10',
          minor: '0',
          patch: '',
          build,
          platform: 'windows',
          platform_like: 'windows',
          codename: edition,
          arch,
          display_version: displayVersion,
        },
        buildDistro: '10',
      };
    }
  }
}

interface Hardware {
  vendor: string;
  model: string;
  version: string;
  cpuType: string;
  cpuSubtype: string;
  cpuBrand: string;
  physicalCores: number;
  logicalCores: number;
  memoryGb: number;
  laptop: boolean;
  arch: string;
}

function chooseHardware(platform: Platform, rng: Rng): Hardware {
  const mem = (choices: readonly number[]): number => rng.pick(choices);
  if (platform === 'darwin') {
    const [model, brand, cores, arm, laptop] = rng.pick([
      ['MacBookPro18,3', 'Apple M1 Pro', 10, true, true],
      ['MacBookAir10,1', 'Apple M1', 8, true, true],
      ['Mac14,2', 'Apple M2', 8, true, true],
      ['Mac15,6', 'Apple M3 Pro', 11, true, true],
      ['MacBookPro16,1', 'Intel(R) Core(TM) i7-9750H CPU @ 2.60GHz', 6, false, true],
      ['Macmini9,1', 'Apple M1', 8, true, false],
    ] as const);
    return {
      vendor: 'Apple Inc.',
      model,
      version: arm ? '' : '1.0',
      cpuType: arm ? 'arm64e' : 'x86_64h',
      cpuSubtype: arm ? 'ARM64E' : 'Intel x86-64h Haswell',
      cpuBrand: brand,
      physicalCores: cores,
      logicalCores: arm ? cores : cores * 2,
      memoryGb: mem([8, 16, 16, 32, 64]),
      laptop,
      arch: arm ? 'arm64' : 'x86_64',
    };
  }
  if (platform === 'windows') {
    const [vendor, model, brand, cores] = rng.pick([
      ['Dell Inc.', 'Latitude 5420', '11th Gen Intel(R) Core(TM) i5-1145G7 @ 2.60GHz', 4],
      ['Dell Inc.', 'OptiPlex 7090', '11th Gen Intel(R) Core(TM) i7-11700 @ 2.50GHz', 8],
      ['LENOVO', '21AH00BUUS', '12th Gen Intel(R) Core(TM) i7-1265U', 10],
      ['HP', 'HP EliteBook 840 G8 Notebook PC', '11th Gen Intel(R) Core(TM) i5-1135G7 @ 2.40GHz', 4],
      ['Microsoft Corporation', 'Surface Laptop 5', '12th Gen Intel(R) Core(TM) i5-1245U', 10],
    ] as const);
    return {
      vendor,
      model,
      version: '',
      cpuType: 'x86_64',
      cpuSubtype: '-1',
      cpuBrand: brand,
      physicalCores: cores,
      logicalCores: cores === 10 ? 12 : cores * 2,
      memoryGb: mem([8, 16, 16, 32]),
      laptop: !model.startsWith('OptiPlex'),
      arch: '64-bit',
    };
  }
  const [vendor, model, brand, cores] = rng.pick([
    ['Amazon EC2', 'm5.large', 'Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz', 1],
    ['Amazon EC2', 'c6i.2xlarge', 'Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz', 4],
    ['Amazon EC2', 'm6a.xlarge', 'AMD EPYC 7R13 Processor', 2],
    ['Dell Inc.', 'PowerEdge R640', 'Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz', 20],
    ['QEMU', 'Standard PC (Q35 + ICH9, 2009)', 'Intel Core Processor (Skylake, IBRS)', 4],
  ] as const);
  return {
    vendor,
    model,
    version: vendor === 'QEMU' ? 'pc-q35-6.2' : '',
    cpuType: 'x86_64',
    cpuSubtype: '85',
    cpuBrand: brand,
    physicalCores: cores,
    logicalCores: cores * 2,
    memoryGb: mem([4, 8, 16, 32, 64, 128]),
    laptop: false,
    arch: 'x86_64',
  };
}

function hostnameFor(platform: Platform, person: Person, rng: Rng, hw: Hardware, index: number): { hostname: string; computerName: string } {
  const n = pad(index + 1, 4);
  switch (platform) {
    case 'darwin': {
      const kind = hw.model.startsWith('Macmini') ? 'Mac mini' : hw.model.startsWith('MacBookAir') || hw.model === 'Mac14,2' ? 'MacBook Air' : 'MacBook Pro';
      const computerName = `${capitalize(person.first)}'s ${kind}`;
      return { hostname: `${person.first}s-${kind.toLowerCase().replace(/ /g, '-')}-${n}.local`, computerName };
    }
    case 'windows': {
      // NetBIOS names stop at 15 characters; the index keeps them unique within a fleet.
      const name = `DESKTOP-${rng.alnum(3)}${(index + 1).toString(36).toUpperCase().padStart(4, '0')}`;
      return { hostname: name, computerName: name };
    }
    default: {
      const name = `${rng.pick(SERVER_ROLES)}-${rng.pick(ENVIRONMENTS)}-${n}`;
      return { hostname: name, computerName: name };
    }
  }
}

function usersFor(platform: Platform, person: Person): Row[] {
  switch (platform) {
    case 'darwin':
      return [
        { uid: '0', username: 'root', type: '', groupname: 'wheel', shell: '/bin/sh' },
        { uid: '501', username: person.first, type: '', groupname: 'staff', shell: '/bin/zsh' },
        { uid: '502', username: 'admin', type: '', groupname: 'staff', shell: '/bin/zsh' },
      ];
    case 'windows':
      return [
        { uid: '500', username: 'Administrator', type: 'local', groupname: 'Administrators', shell: 'C:\\Windows\\system32\\cmd.exe' },
        { uid: '501', username: 'Guest', type: 'local', groupname: 'Guests', shell: 'C:\\Windows\\system32\\cmd.exe' },
        { uid: '1001', username: `${person.first}.${person.last}`, type: 'roaming', groupname: 'Users', shell: 'C:\\Windows\\system32\\cmd.exe' },
      ];
    case 'ubuntu':
      return [
        { uid: '0', username: 'root', type: '', groupname: 'root', shell: '/bin/bash' },
        { uid: '1000', username: 'ubuntu', type: '', groupname: 'ubuntu', shell: '/bin/bash' },
        { uid: '1001', username: person.first, type: '', groupname: person.first, shell: '/bin/bash' },
      ];
    case 'centos':
      return [
        { uid: '0', username: 'root', type: '', groupname: 'root', shell: '/bin/bash' },
        { uid: '1000', username: 'centos', type: '', groupname: 'centos', shell: '/bin/bash' },
        { uid: '1001', username: person.first, type: '', groupname: person.first, shell: '/bin/bash' },
      ];
  }
}

function processesFor(platform: Platform, rng: Rng): Row[] {
  const names: Record<Platform, readonly [string, string][]> = {
    darwin: [['launchd', '/sbin/launchd'], ['WindowServer', '/System/Library/PrivateFrameworks/SkyLight.framework/Resources/WindowServer'], ['osqueryd', '/opt/orbit/bin/osqueryd/macos-app/stable/osquery.app/Contents/MacOS/osqueryd'], ['orbit', '/opt/orbit/bin/orbit/macos/stable/orbit'], ['Google Chrome', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'], ['Slack', '/Applications/Slack.app/Contents/MacOS/Slack']],
    ubuntu: [['systemd', '/usr/lib/systemd/systemd'], ['sshd', '/usr/sbin/sshd'], ['osqueryd', '/opt/orbit/bin/osqueryd/linux/stable/osqueryd'], ['orbit', '/opt/orbit/bin/orbit/linux/stable/orbit'], ['cron', '/usr/sbin/cron'], ['dockerd', '/usr/bin/dockerd']],
    centos: [['systemd', '/usr/lib/systemd/systemd'], ['sshd', '/usr/sbin/sshd'], ['osqueryd', '/opt/orbit/bin/osqueryd/linux/stable/osqueryd'], ['orbit', '/opt/orbit/bin/orbit/linux/stable/orbit'], ['crond', '/usr/sbin/crond'], ['httpd', '/usr/sbin/httpd']],
    windows: [['System', ''], ['svchost.exe', 'C:\\Windows\\System32\\svchost.exe'], ['osqueryd.exe', 'C:\\Program Files\\Orbit\\bin\\osqueryd\\windows\\stable\\osqueryd.exe'], ['orbit.exe', 'C:\\Program Files\\Orbit\\bin\\orbit\\orbit.exe'], ['explorer.exe', 'C:\\Windows\\explorer.exe'], ['msedge.exe', 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe']],
  };
  let pid = platform === 'windows' ? 4 : 1;
  return names[platform].map(([name, path]) => {
    const row = { pid: String(pid), name, path, uid: name.startsWith('osquery') || pid < 100 ? '0' : '501', resident_size: String(rng.int(4, 600) * 1024 * 1024), state: 'S' };
    pid += rng.int(40, 900);
    return row;
  });
}

function softwareFor(platform: Platform, rng: Rng): InstalledSoftware[] {
  return SOFTWARE_CATALOG[platform].flatMap((entry) => {
    if (!rng.chance(entry.share)) return [];
    return [
      {
        name: entry.name,
        version: rng.pick(entry.versions),
        source: entry.source,
        bundleIdentifier: entry.bundleIdentifier ?? '',
        lastOpenedSecondsAgo: entry.opened ? rng.int(60, 30 * 86_400) : null,
      },
    ];
  });
}

function batteryFor(rng: Rng): Row {
  const cycles = rng.int(5, 1200);
  return { serial_number: `D86${rng.alnum(11)}`, cycle_count: String(cycles), health: cycles > 1000 ? 'Fair' : 'Good' };
}

function serialFor(platform: Platform, hw: Hardware, rng: Rng): string {
  if (platform === 'darwin') return `C02${rng.alnum(9)}`;
  if (hw.vendor === 'Amazon EC2') return `ec2${rng.hex(13)}`;
  if (hw.vendor === 'QEMU') return '';
  return rng.alnum(7);
}

export interface ProfileSpec {
  seed: Seed;
  index: number;
  platform: Platform;
}

/**
 * Builds a host from its seed and index. The device auth token is the one exception to
 * determinism: it is a credential for the device routes, so it is fresh per process
 * (as Orbit's is per install) rather than derivable from a well-known seed.
 */
export function generateHostProfile({ seed, index, platform }: ProfileSpec): HostProfile {
  const rng = createRng(seed, 'host', index, platform);
  const person: Person = { first: rng.pick(FIRST_NAMES), last: rng.pick(LAST_NAMES) };
  const hw = chooseHardware(platform, rng);
  const os = chooseOs(platform, rng, hw.arch);
  const uuid = formatUuid(rng, platform === 'darwin' || platform === 'windows');
  const { hostname, computerName } = hostnameFor(platform, person, rng, hw, index);
  const osqueryVersion = rng.pick(OSQUERY_VERSIONS);
  const primaryIp = primaryIpFor(platform, index);
  const primaryMac = macAddress(rng);
  const iface = { darwin: 'en0', ubuntu: 'ens5', centos: 'eth0', windows: 'Ethernet' }[platform];
  const totalGb = rng.pick(platform === 'darwin' ? [245.11, 494.38, 994.66] : platform === 'windows' ? [237.84, 475.69, 951.65] : [29.98, 49.98, 99.98, 199.98]);
  const availableGb = Math.round(totalGb * (0.05 + rng.next() * 0.8) * 100) / 100;
  const pid = rng.int(300, 60_000);
  const email = `${person.first}.${person.last}@example.com`;

  return {
    seed,
    index,
    platform,
    uuid,
    hostIdentifier: uuid,
    hostname,
    computerName,
    osVersion: os.osVersion,
    systemInfo: {
      hostname,
      uuid,
      cpu_type: hw.cpuType,
      cpu_subtype: hw.cpuSubtype,
      cpu_brand: hw.cpuBrand,
      cpu_physical_cores: String(hw.physicalCores),
      cpu_logical_cores: String(hw.logicalCores),
      physical_memory: String(hw.memoryGb * GIB),
      hardware_vendor: hw.vendor,
      hardware_model: hw.model,
      hardware_version: hw.version,
      hardware_serial: serialFor(platform, hw, rng),
      computer_name: computerName,
    },
    osqueryInfo: {
      version: osqueryVersion,
      build_platform: platform,
      build_distro: os.buildDistro,
      uuid,
      instance_id: formatUuid(rng, false),
      extensions: 'active',
      pid: String(pid),
      watcher: String(pid - rng.int(1, 5)),
      platform_mask: { darwin: '21', ubuntu: '9', centos: '9', windows: '2' }[platform],
    },
    platformInfo:
      platform === 'darwin'
        ? { vendor: 'Apple Inc.', version: '10151.140.19', date: '05/16/2024', revision: '', address: '', size: '0', volume_size: '0', extra: '' }
        : { vendor: hw.vendor === 'Amazon EC2' ? 'Amazon EC2' : hw.vendor, version: `${rng.int(1, 2)}.${rng.int(0, 30)}.${rng.int(0, 9)}`, date: `0${rng.int(1, 9)}/${10 + rng.int(0, 18)}/202${rng.int(1, 4)}`, revision: '', address: '', size: '0', volume_size: '0', extra: '' },
    uptimeAtStartSeconds: rng.int(300, 21 * 86_400),
    primaryIp,
    primaryMac,
    interfaces: [
      { interface: iface, address: primaryIp, mask: '255.255.255.0', mac: primaryMac, type: '6' },
      { interface: iface, address: `fe80::${rng.hex(4)}:${rng.hex(4)}:${rng.hex(4)}:${rng.hex(4)}${platform === 'windows' ? '' : `%${iface}`}`, mask: 'ffff:ffff:ffff:ffff::', mac: primaryMac, type: '6' },
      { interface: platform === 'windows' ? 'Loopback Pseudo-Interface 1' : platform === 'darwin' ? 'lo0' : 'lo', address: '127.0.0.1', mask: '255.0.0.0', mac: '00:00:00:00:00:00', type: '24' },
    ],
    disk: { totalGb, availableGb },
    users: usersFor(platform, person),
    software: softwareFor(platform, rng),
    batteries: platform === 'darwin' && hw.laptop ? [batteryFor(rng)] : [],
    munki: platform === 'darwin' && rng.chance(0.6) ? { version: rng.pick(['6.3.3.4754', '6.4.0.4788', '6.5.1.4805']) } : null,
    mdm:
      platform === 'darwin'
        ? {
            enrolled: 'true',
            server_url: 'https://fleet.example.com/mdm/apple/mdm',
            installed_from_dep: rng.chance(0.7) ? 'true' : 'false',
            payload_identifier: 'com.fleetdm.fleet.mdm.apple',
          }
        : null,
    chromeProfiles: rng.chance(platform === 'ubuntu' || platform === 'centos' ? 0.1 : 0.85)
      ? [
          { email, username: `${capitalize(person.first)} ${capitalize(person.last)}`, ephemeral: '0' },
          ...(rng.chance(0.3) ? [{ email: `${person.first}${rng.int(1, 99)}@gmail.com`, username: 'Personal', ephemeral: '0' }] : []),
        ]
      : [],
    orbit: { version: rng.pick(ORBIT_VERSIONS), deviceAuthToken: randomUUID() },
    processes: processesFor(platform, rng),
  };
}

export interface FleetProfileOptions {
  seed?: Seed;
  platformMix?: PlatformMix;
  /** Index of the first host; lets several simulator processes share a seed without overlap. */
  firstIndex?: number;
}

export function generateHostProfiles(count: number, { seed = 1, platformMix = DEFAULT_PLATFORM_MIX, firstIndex = 0 }: FleetProfileOptions = {}): HostProfile[] {
  return Array.from({ length: count }, (_, i) => {
    const index = firstIndex + i;
    return generateHostProfile({ seed, index, platform: platformForIndex(index, platformMix, seed) });
  });
}
