/**
 * The agent simulator is a client, so these tests run it against a tiny recording HTTP peer
 * standing in for a remote osquery TLS server; nothing of fleetgraph's own server is faked.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError } from '../../simulator/cli-args.js';
import {
  answerQuery,
  createAgent,
  generateHostProfile,
  generateHostProfiles,
  parsePlatformMix,
  requestedRowCount,
  startFleet,
  type Answer,
  type HostProfile,
  type Platform,
  type SimulatedAgent,
} from '../../simulator/index.js';
import type { AgentRuntime } from '../../simulator/osquery-tables.js';

type Json = Record<string, unknown>;
interface Recorded {
  path: string;
  body: Json;
}
type Reply = { status?: number; body: unknown };
type Handler = (path: string, body: Json, peer: Peer) => Reply | undefined;

interface Peer {
  url: string;
  requests: Recorded[];
  /** Requests being served right now, and the most seen at once. */
  inFlight: number;
  maxInFlight: number;
  nodeKeys: string[];
  handler: Handler | null;
  close(): Promise<void>;
  bodies(path: string): Json[];
}

const SECRET = 'sekret';

/** Answers like an osquery TLS server with empty queues unless a test sets `handler`. */
function defaultReply(path: string, body: Json, peer: Peer): Reply {
  switch (path) {
    case '/api/osquery/enroll': {
      if (body.enroll_secret !== SECRET) return { status: 401, body: { error: 'enroll failed: no matching secret found', node_invalid: true } };
      const key = `key-${peer.nodeKeys.length + 1}`;
      peer.nodeKeys.push(key);
      return { body: { node_key: key } };
    }
    case '/api/osquery/config':
      return { body: { options: { distributed_interval: 10, logger_tls_period: 10 }, decorators: { load: ['SELECT uuid AS host_uuid FROM system_info;', 'SELECT hostname AS hostname FROM system_info;'] }, packs: {} } };
    case '/api/osquery/distributed/read':
      return { body: { queries: {} } };
    default:
      return { body: {} };
  }
}

async function startPeer(delayMs = 0): Promise<Peer> {
  const peer: Peer = {
    url: '',
    requests: [],
    inFlight: 0,
    maxInFlight: 0,
    nodeKeys: [],
    handler: null,
    close: async () => {},
    bodies: (path) => peer.requests.filter((r) => r.path === path).map((r) => r.body),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      peer.inFlight++;
      peer.maxInFlight = Math.max(peer.maxInFlight, peer.inFlight);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Json;
      const path = req.url ?? '';
      peer.requests.push({ path, body });
      const reply = peer.handler?.(path, body, peer) ?? defaultReply(path, body, peer);
      setTimeout(() => {
        peer.inFlight--;
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply.body));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  peer.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return peer;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function peerAndAgent(profile: HostProfile, delayMs = 0): Promise<{ peer: Peer; agent: SimulatedAgent }> {
  const peer = await startPeer(delayMs);
  cleanups.push(() => peer.close());
  const agent = createAgent(profile, { server: peer.url, enrollSecret: SECRET });
  cleanups.push(() => agent.close());
  return { peer, agent };
}

const host = (platform: Platform, index = 0, seed: number | string = 1): HostProfile => generateHostProfile({ seed, index, platform });

const runtime = (): AgentRuntime => ({
  startedAtMs: Date.parse('2024-05-06T07:00:00Z'),
  configHash: 'abc',
  distributedIntervalSeconds: 10,
  configRefreshSeconds: 10,
  loggerPeriodSeconds: 10,
  now: () => Date.parse('2024-05-06T08:00:00Z'),
});

const answer = (profile: HostProfile, name: string, sql = 'SELECT 1'): Answer => answerQuery(name, sql, profile, runtime());

function expectAllStrings(rows: readonly Record<string, unknown>[]): void {
  for (const row of rows) for (const value of Object.values(row)) expect(typeof value).toBe('string');
}

/** Makes the next distributed/read hand out `queries` (and optionally discovery). */
function serveQueries(peer: Peer, queries: Record<string, string>, extra: Json = {}): void {
  let served = false;
  peer.handler = (path) => {
    if (path !== '/api/osquery/distributed/read' || served) return undefined;
    served = true;
    return { body: { queries, ...extra } };
  };
}

function lastWrite(peer: Peer): { queries: Record<string, Json[]>; statuses: Record<string, number>; messages: Record<string, string> } {
  const writes = peer.bodies('/api/osquery/distributed/write');
  expect(writes.length).toBeGreaterThan(0);
  return writes.at(-1) as never;
}

describe('enroll', () => {
  it('posts the secret, the uuid as host_identifier and four host_details tables of strings', async () => {
    const profile = host('darwin');
    const { peer, agent } = await peerAndAgent(profile);

    const key = await agent.enroll();

    expect(key).toBe('key-1');
    expect(agent.nodeKey).toBe('key-1');
    const [body] = peer.bodies('/api/osquery/enroll');
    expect(body?.enroll_secret).toBe(SECRET);
    expect(body?.host_identifier).toBe(profile.uuid);
    const details = body?.host_details as Record<string, Json>;
    expect(Object.keys(details).sort()).toEqual(['os_version', 'osquery_info', 'platform_info', 'system_info']);
    for (const table of Object.values(details)) expectAllStrings([table]);
    expect(details.os_version).toMatchObject({ platform: 'darwin', name: 'macOS' });
    expect(details.osquery_info).toMatchObject({ uuid: profile.uuid, build_platform: 'darwin' });
    expect(details.osquery_info?.version).toMatch(/^5\.\d+\.\d+$/);
    expect(details.system_info).toMatchObject({ hostname: profile.hostname, uuid: profile.uuid, hardware_vendor: 'Apple Inc.' });
  });

  it('rejects a wrong secret with the server status and error text', async () => {
    const peer = await startPeer();
    cleanups.push(() => peer.close());
    const agent = createAgent(host('ubuntu'), { server: peer.url, enrollSecret: 'wrong' });
    cleanups.push(() => agent.close());

    await expect(agent.enroll()).rejects.toMatchObject({ status: 401, message: expect.stringContaining('no matching secret') });
    expect(agent.nodeKey).toBeNull();
  });

  it('keeps a path prefix of the server URL', async () => {
    const peer = await startPeer();
    cleanups.push(() => peer.close());
    peer.handler = (path, body, p) => (path.startsWith('/fleet/') ? defaultReply(path.slice('/fleet'.length), body, p) : { status: 404, body: {} });
    const agent = createAgent(host('windows'), { server: `${peer.url}/fleet/`, enrollSecret: SECRET });
    cleanups.push(() => agent.close());

    await agent.enroll();
    expect(peer.requests.map((r) => r.path)).toEqual(['/fleet/api/osquery/enroll']);
  });
});

describe('host profiles', () => {
  const withoutToken = (profiles: HostProfile[]) => profiles.map(({ orbit, ...rest }) => ({ ...rest, orbitVersion: orbit.version }));

  it('are the same for the same seed, apart from the device token', () => {
    const a = generateHostProfiles(25, { seed: 7 });
    const b = generateHostProfiles(25, { seed: 7 });
    expect(withoutToken(a)).toEqual(withoutToken(b));
    expect(a[0]?.orbit.deviceAuthToken).not.toBe(b[0]?.orbit.deviceAuthToken);
  });

  it('differ between seeds', () => {
    const a = generateHostProfiles(5, { seed: 1 });
    const b = generateHostProfiles(5, { seed: 2 });
    expect(a.map((p) => p.uuid)).not.toEqual(b.map((p) => p.uuid));
  });

  it('do not depend on the fleet size, so a bigger run keeps the smaller run\'s hosts', () => {
    const small = generateHostProfiles(10, { seed: 3 });
    const big = generateHostProfiles(100, { seed: 3 });
    expect(withoutToken(big.slice(0, 10))).toEqual(withoutToken(small));
    const offset = generateHostProfiles(5, { seed: 3, firstIndex: 10 });
    expect(withoutToken(offset)).toEqual(withoutToken(big.slice(10, 15)));
  });

  it('have unique identities and follow the platform mix closely', () => {
    const profiles = generateHostProfiles(1000, { seed: 1, platformMix: parsePlatformMix('darwin=40,ubuntu=30,windows=20,centos=10') });
    for (const key of ['uuid', 'hostname', 'primaryIp'] as const) expect(new Set(profiles.map((p) => p[key])).size).toBe(1000);
    const counts = Object.fromEntries(['darwin', 'ubuntu', 'windows', 'centos'].map((p) => [p, profiles.filter((h) => h.platform === p).length]));
    expect(counts.darwin).toBeGreaterThanOrEqual(398);
    expect(counts.darwin).toBeLessThanOrEqual(402);
    expect(counts.ubuntu).toBeGreaterThanOrEqual(298);
    expect(counts.windows).toBeGreaterThanOrEqual(198);
    expect(counts.centos).toBeGreaterThanOrEqual(98);
    const tenHosts = generateHostProfiles(10, { seed: 1, platformMix: { darwin: 1, windows: 1 } });
    expect(tenHosts.filter((h) => h.platform === 'darwin').length).toBeGreaterThanOrEqual(4);
    expect(tenHosts.filter((h) => h.platform === 'darwin').length).toBeLessThanOrEqual(6);
  });

  it('look like their platform', () => {
    const mac = host('darwin');
    expect(mac.uuid).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
    expect(mac.hostname).toMatch(/\.local$/);
    expect(mac.mdm).not.toBeNull();
    expect(mac.software.every((s) => ['apps', 'homebrew_packages', 'chrome_extensions'].includes(s.source))).toBe(true);
    const win = host('windows', 3);
    expect(win.hostname.length).toBeLessThanOrEqual(15);
    expect(win.osVersion).toMatchObject({ platform: 'windows', major: '10' });
    expect(win.batteries).toEqual([]);
    expect(win.mdm).toBeNull();
    expect(host('centos').osVersion.platform_like).toMatch(/^rhel/);
    expect(host('ubuntu').software.some((s) => s.source === 'deb_packages')).toBe(true);
  });

  it('reject malformed platform mixes', () => {
    expect(() => parsePlatformMix('darwin=40,beos=1')).toThrow(/unknown platform "beos"/);
    expect(() => parsePlatformMix('darwin')).toThrow(/darwin=40/);
    expect(() => parsePlatformMix('darwin=-1')).toThrow(/non-negative/);
    expect(() => parsePlatformMix('darwin=0')).toThrow(/more than 0/);
  });
});

describe('answers to detail queries', () => {
  const mac = host('darwin');
  const linux = host('ubuntu', 1);
  const win = host('windows', 2);

  const columns: Record<string, string[]> = {
    osquery_info: ['version', 'build_platform', 'build_distro', 'uuid', 'instance_id', 'config_hash', 'config_valid', 'extensions', 'pid', 'start_time', 'watcher'],
    system_info: ['hostname', 'uuid', 'cpu_type', 'cpu_subtype', 'cpu_brand', 'cpu_physical_cores', 'cpu_logical_cores', 'physical_memory', 'hardware_vendor', 'hardware_model', 'hardware_version', 'hardware_serial', 'computer_name'],
    os_version: ['name', 'version', 'major', 'minor', 'patch', 'build', 'platform', 'platform_like', 'codename', 'arch'],
    uptime: ['days', 'hours', 'minutes', 'seconds', 'total_seconds'],
    network_interface: ['interface', 'address', 'mask', 'mac', 'type'],
    network_interface_unix: ['interface', 'address', 'mask', 'mac', 'type'],
    network_interface_windows: ['interface', 'address', 'mask', 'mac', 'type'],
    disk_space_unix: ['percent_disk_space_available', 'gigs_disk_space_available', 'gigs_total_disk_space'],
    users: ['uid', 'username', 'type', 'groupname', 'shell'],
    software_macos: ['name', 'version', 'source', 'bundle_identifier', 'last_opened_at'],
    google_chrome_profiles: ['email', 'username', 'ephemeral'],
    orbit_info: ['version', 'device_auth_token'],
    battery: ['serial_number', 'cycle_count', 'health'],
    munki_info: ['version'],
    mdm: ['enrolled', 'server_url', 'installed_from_dep', 'payload_identifier'],
  };

  it.each(Object.entries(columns))('%s answers rows with its columns, all strings', (name, expected) => {
    // A laptop with munki, so that every darwin-only table has a row.
    const profile = generateHostProfiles(50, { seed: 1, platformMix: { darwin: 1 } }).find((p) => p.batteries.length > 0 && p.munki && p.chromeProfiles.length > 0) as HostProfile;
    const a = answer(profile, `fleet_detail_query_${name}`);
    expect(a.status).toBe(0);
    expect(a.rows.length).toBeGreaterThan(0);
    for (const row of a.rows) expect(Object.keys(row)).toEqual(expect.arrayContaining(expected));
    expectAllStrings(a.rows);
  });

  it('reports the host itself', () => {
    expect(answer(mac, 'fleet_detail_query_system_info').rows).toEqual([mac.systemInfo]);
    expect(answer(mac, 'fleet_detail_query_os_version').rows[0]).toMatchObject({ platform: 'darwin' });
    expect(answer(mac, 'fleet_detail_query_osquery_info').rows[0]).toMatchObject({ uuid: mac.uuid, config_valid: '1', config_hash: 'abc', extensions: 'active' });
    expect(answer(mac, 'fleet_detail_query_orbit_info').rows).toEqual([{ version: mac.orbit.version, device_auth_token: mac.orbit.deviceAuthToken }]);
  });

  it('gives the flags the agent runs with', () => {
    expect(answer(linux, 'fleet_detail_query_osquery_flags').rows).toEqual([
      { name: 'distributed_interval', value: '10' },
      { name: 'config_tls_refresh', value: '10' },
      { name: 'logger_tls_period', value: '10' },
    ]);
  });

  it('counts uptime from the profile plus time since start', () => {
    const [row] = answer(linux, 'fleet_detail_query_uptime').rows;
    expect(Number(row?.total_seconds)).toBe(linux.uptimeAtStartSeconds + 3600);
    expect(Number(row?.days) * 86_400 + Number(row?.hours) * 3600 + Number(row?.minutes) * 60 + Number(row?.seconds)).toBe(Number(row?.total_seconds));
  });

  it('lists a primary IPv4 and the loopback interface', () => {
    const rows = answer(win, 'fleet_detail_query_network_interface_windows').rows;
    expect(rows[0]).toMatchObject({ address: win.primaryIp, mac: win.primaryMac });
    expect(rows.some((r) => r.address === '127.0.0.1')).toBe(true);
  });

  it('answers disk space on the platform\'s own table only', () => {
    const [row] = answer(linux, 'fleet_detail_query_disk_space_unix').rows;
    expect(Number(row?.gigs_total_disk_space)).toBeCloseTo(linux.disk.totalGb);
    expect(row?.percent_disk_space_available).toMatch(/^\d+$/);
    expect(answer(win, 'fleet_detail_query_disk_space_windows').rows).toHaveLength(1);
    expect(answer(win, 'fleet_detail_query_disk_space_unix')).toMatchObject({ status: 1, message: 'no such table: mounts' });
  });

  it('lists software per platform with unix last-opened times for apps', () => {
    const macRows = answer(mac, 'fleet_detail_query_software_macos').rows;
    const safari = macRows.find((r) => r.name === 'Safari.app');
    expect(safari).toMatchObject({ source: 'apps', bundle_identifier: 'com.apple.Safari' });
    expect(Number(safari?.last_opened_at)).toBeLessThan(Date.parse('2024-05-06T07:00:00Z') / 1000);
    expect(macRows.filter((r) => r.source !== 'apps').every((r) => r.last_opened_at === '')).toBe(true);
    expect(answer(linux, 'fleet_detail_query_software_linux').rows.some((r) => r.source === 'deb_packages')).toBe(true);
    expect(answer(host('centos'), 'fleet_detail_query_software_linux').rows.some((r) => r.source === 'rpm_packages')).toBe(true);
    expect(answer(win, 'fleet_detail_query_software_windows').rows.every((r) => r.source === 'programs' || r.source === 'chrome_extensions')).toBe(true);
    expect(answer(win, 'fleet_detail_query_software_macos').status).toBe(1);
  });

  it('fails darwin-only tables elsewhere the way osquery does', () => {
    for (const name of ['battery', 'munki_info', 'mdm']) {
      const a = answer(linux, `fleet_detail_query_${name}`);
      expect(a).toEqual({ rows: [], status: 1, message: `no such table: ${name}` });
    }
    expect(answer(mac, 'fleet_detail_query_mdm').rows[0]).toMatchObject({ enrolled: 'true', server_url: expect.stringMatching(/^https:\/\//) });
  });

  it('answers unknown detail queries and unknown prefixes with no rows and status 0', () => {
    expect(answer(mac, 'fleet_detail_query_kubequery_info')).toEqual({ rows: [], status: 0 });
    expect(answer(mac, 'fleet_additional_query_foo')).toEqual({ rows: [], status: 0 });
    expect(answer(mac, 'something_else')).toEqual({ rows: [], status: 0 });
  });
});

describe('answers to label queries', () => {
  const builtins: Record<string, string> = {
    all: 'SELECT 1;',
    macos: "select 1 from os_version where platform = 'darwin';",
    ubuntu: "select 1 from os_version where platform = 'ubuntu';",
    centos: "select 1 from os_version where platform = 'centos' or name like '%centos%';",
    windows: "select 1 from os_version where platform = 'windows';",
    linux: "SELECT 1 FROM osquery_info WHERE build_platform LIKE '%ubuntu%' OR build_distro LIKE '%centos%';",
    redhat: "SELECT 1 FROM os_version WHERE name LIKE '%red hat%'",
  };
  const expected: Record<Platform, string[]> = {
    darwin: ['all', 'macos'],
    ubuntu: ['all', 'ubuntu', 'linux'],
    centos: ['all', 'centos', 'linux'],
    windows: ['all', 'windows'],
  };

  it.each(Object.keys(expected) as Platform[])('put %s hosts in exactly the built-in labels of their platform', (platform) => {
    for (let i = 0; i < 5; i++) {
      const profile = host(platform, i);
      const members = Object.entries(builtins)
        .filter(([label, sql]) => {
          const a = answer(profile, `fleet_label_query_${label}`, sql);
          expect(a.status).toBe(0);
          expect(a.rows).toEqual(a.rows.length ? [{ '1': '1' }] : []);
          return a.rows.length > 0;
        })
        .map(([label]) => label);
      expect(members).toEqual(expected[platform]);
    }
  });

  it('evaluates simple conditions on the host\'s tables', () => {
    const mac = generateHostProfiles(40, { seed: 1, platformMix: { darwin: 1 } }).find((p) => Number(p.osVersion.major) >= 14) as HostProfile;
    expect(answer(mac, 'fleet_label_query_9', "select 1 from os_version where platform = 'darwin' and major >= 14;").rows).toHaveLength(1);
    expect(answer(mac, 'fleet_label_query_9', "select 1 from os_version where platform = 'darwin' and major < 14;").rows).toHaveLength(0);
    expect(answer(mac, 'fleet_label_query_10', "SELECT 1 FROM apps WHERE name = 'Safari.app'").rows).toHaveLength(1);
    expect(answer(mac, 'fleet_label_query_10', "SELECT 1 FROM apps WHERE name = 'Nope.app'").rows).toHaveLength(0);
  });

  it('still follows platform tests inside statements it cannot run', () => {
    const sql = "SELECT 1 FROM os_version o JOIN osquery_info i WHERE o.platform = 'windows' AND i.extensions = 'active'";
    expect(answer(host('windows'), 'fleet_label_query_3', sql).rows).toHaveLength(1);
    expect(answer(host('darwin'), 'fleet_label_query_3', sql).rows).toHaveLength(0);
  });

  it('decides other labels by a stable coin flip per host and label', () => {
    const sql = 'SELECT 1 FROM (SELECT count(*) AS c FROM processes) WHERE c > 10';
    const profiles = generateHostProfiles(200, { seed: 5 });
    const first = profiles.map((p) => answer(p, 'fleet_label_query_42', sql).rows.length);
    const again = profiles.map((p) => answer(p, 'fleet_label_query_42', sql).rows.length);
    expect(again).toEqual(first);
    const members = first.filter((n) => n === 1).length;
    expect(members).toBeGreaterThan(60);
    expect(members).toBeLessThan(140);
    const other = profiles.map((p) => answer(p, 'fleet_label_query_43', sql).rows.length);
    expect(other).not.toEqual(first);
  });
});

describe('answers to policy queries', () => {
  it('mostly pass, stably, with a small share failing to run', () => {
    const profiles = generateHostProfiles(500, { seed: 9 });
    const answers = profiles.map((p) => answer(p, 'fleet_policy_query_7', "SELECT 1 FROM os_version WHERE major >= '10'"));
    expect(profiles.map((p) => answer(p, 'fleet_policy_query_7').rows.length)).toEqual(answers.map((a) => a.rows.length));
    const pass = answers.filter((a) => a.status === 0 && a.rows.length === 1);
    const errored = answers.filter((a) => a.status !== 0);
    expect(pass.length / answers.length).toBeGreaterThan(0.75);
    expect(pass.length / answers.length).toBeLessThan(0.95);
    expect(errored.length).toBeGreaterThan(0);
    expect(errored.length).toBeLessThan(30);
    for (const a of errored) expect(a).toMatchObject({ rows: [], message: expect.any(String) });
    for (const a of pass) expect(a.rows).toEqual([{ '1': '1' }]);
  });

  it('take their rates from the options', () => {
    const profiles = generateHostProfiles(50, { seed: 9 });
    const options = { policyPassRate: 0, policyErrorRate: 1, labelMemberRate: 0.5, liveQueryMaxRows: 10 };
    expect(profiles.every((p) => answerQuery('fleet_policy_query_1', 'SELECT 1', p, runtime(), options).status === 1)).toBe(true);
  });
});

describe('answers to live queries', () => {
  const mac = host('darwin');

  it('return N rows for a <name>_<N> table and one row otherwise, stamped with host and sent_at', () => {
    const before = Date.now();
    const a = answerQuery('fleet_distributed_query_12', 'SELECT * FROM MyQuery_10', mac, { ...runtime(), now: Date.now });
    expect(a.status).toBe(0);
    expect(a.rows).toHaveLength(10);
    for (const row of a.rows) {
      expect(row.host).toBe(mac.hostname);
      expect(Number(row.sent_at)).toBeGreaterThanOrEqual(before);
      expect(Number(row.sent_at)).toBeLessThanOrEqual(Date.now());
    }
    expectAllStrings(a.rows);
    expect(answer(mac, 'fleet_distributed_query_12', 'SELECT * FROM osquery_info').rows).toHaveLength(1);
    expect(answer(mac, 'fleet_distributed_query_12', 'SELECT 1').rows).toHaveLength(1);
  });

  it('reads the row count from joined tables and caps it', () => {
    expect(requestedRowCount('select a.x from users a join Big_250 b on 1', 'fleet_distributed_query_1', 10_000)).toBe(250);
    expect(requestedRowCount('SELECT * FROM huge_99999999', 'fleet_distributed_query_1', 10_000)).toBe(10_000);
    expect(requestedRowCount('SELECT * FROM processes', 'fleet_distributed_query_55', 10_000)).toBe(1);
    expect(requestedRowCount('SELECT * FROM processes', 'MyQuery_3', 10_000)).toBe(3);
  });

  it('fill the selected columns from the host\'s tables', () => {
    const [row] = answer(mac, 'fleet_distributed_query_3', 'SELECT hostname, cpu_brand AS cpu, 42 AS answer FROM system_info').rows;
    expect(row).toMatchObject({ hostname: mac.hostname, cpu: mac.systemInfo.cpu_brand, answer: '42', host: mac.hostname });
    const rows = answer(mac, 'fleet_distributed_query_3', 'SELECT name, path FROM Procs_3').rows;
    expect(rows.map((r) => r.name)).toEqual(['name-0', 'name-1', 'name-2']);
  });

  it('fail on a table the platform lacks', () => {
    expect(answer(host('windows'), 'fleet_distributed_query_4', 'SELECT * FROM battery')).toMatchObject({ status: 1, message: 'no such table: battery' });
  });

  it('can be overridden by onLiveQuery, which can also reuse the default answer', () => {
    const options = {
      policyPassRate: 1,
      policyErrorRate: 0,
      labelMemberRate: 0.5,
      liveQueryMaxRows: 10,
      onLiveQuery: ({ campaignId, defaultAnswer }: { campaignId: string; defaultAnswer: () => Answer }) =>
        campaignId === '1' ? { rows: [], status: 1, message: 'boom' } : campaignId === '2' ? { ...defaultAnswer(), rows: defaultAnswer().rows.slice(0, 1) } : undefined,
    };
    expect(answerQuery('fleet_distributed_query_1', 'SELECT * FROM x_5', mac, runtime(), options)).toEqual({ rows: [], status: 1, message: 'boom' });
    expect(answerQuery('fleet_distributed_query_2', 'SELECT * FROM x_5', mac, runtime(), options).rows).toHaveLength(1);
    expect(answerQuery('fleet_distributed_query_3', 'SELECT * FROM x_5', mac, runtime(), options).rows).toHaveLength(5);
  });
});

describe('config and check-in over HTTP', () => {
  it('takes the check-in interval from the config unless overridden', async () => {
    const { peer, agent } = await peerAndAgent(host('ubuntu'));
    peer.handler = (path) => (path === '/api/osquery/config' ? { body: { options: { distributed_interval: 30 } } } : undefined);

    await agent.config();

    expect(agent.nodeKey).toBe('key-1');
    expect(agent.intervalMs).toBe(30_000);
    expect(peer.bodies('/api/osquery/config')).toEqual([{ node_key: 'key-1' }]);
    const fast = createAgent(host('ubuntu'), { server: peer.url, enrollSecret: SECRET, intervalMs: 500 });
    cleanups.push(() => fast.close());
    await fast.config();
    expect(fast.intervalMs).toBe(500);
  });

  it('reads, answers every query, and writes rows, statuses and messages', async () => {
    const profile = host('ubuntu');
    const { peer, agent } = await peerAndAgent(profile);
    await agent.enroll();
    serveQueries(peer, {
      fleet_detail_query_os_version: 'SELECT * FROM os_version LIMIT 1',
      fleet_detail_query_battery: 'SELECT serial_number, cycle_count, health FROM battery',
      fleet_label_query_1: 'SELECT 1;',
      fleet_distributed_query_99: 'SELECT * FROM MyQuery_3',
    });
    const results: string[] = [];
    const result = await agent.checkIn();
    results.push(...result.answered);

    expect(peer.bodies('/api/osquery/distributed/read')).toEqual([{ node_key: 'key-1' }]);
    const write = lastWrite(peer);
    expect((write as unknown as Json).node_key).toBe('key-1');
    expect(write.queries.fleet_detail_query_os_version).toEqual([profile.osVersion]);
    expect(write.queries.fleet_label_query_1).toEqual([{ '1': '1' }]);
    expect(write.queries.fleet_distributed_query_99).toHaveLength(3);
    expect(write.queries.fleet_detail_query_battery).toEqual([]);
    expect(write.statuses).toEqual({ fleet_detail_query_os_version: 0, fleet_detail_query_battery: 1, fleet_label_query_1: 0, fleet_distributed_query_99: 0 });
    expect(write.messages).toEqual({ fleet_detail_query_battery: 'no such table: battery' });
    for (const rows of Object.values(write.queries)) expectAllStrings(rows);
    expect(results.sort()).toEqual(Object.keys(write.queries).sort());
  });

  it('does not write when there is nothing to answer', async () => {
    const { peer, agent } = await peerAndAgent(host('darwin'));
    const result = await agent.checkIn();
    expect(result.answered).toEqual([]);
    expect(peer.bodies('/api/osquery/distributed/write')).toEqual([]);
  });

  it('skips queries whose discovery statement finds nothing, as osquery does', async () => {
    const { peer, agent } = await peerAndAgent(host('windows'));
    const registry = (table: string) => `SELECT 1 FROM osquery_registry WHERE active = true AND registry = 'table' AND name = '${table}'`;
    serveQueries(
      peer,
      { fleet_detail_query_battery: 'SELECT * FROM battery', fleet_detail_query_users: 'SELECT * FROM users', fleet_label_query_5: 'SELECT 1' },
      { discovery: { fleet_detail_query_battery: registry('battery'), fleet_detail_query_users: registry('users'), fleet_label_query_5: 'SELECT 1' }, accelerate: 60 },
    );

    const result = await agent.checkIn();

    expect(result.skipped).toEqual(['fleet_detail_query_battery']);
    expect(result.accelerateSeconds).toBe(60);
    expect(Object.keys(lastWrite(peer).queries).sort()).toEqual(['fleet_detail_query_users', 'fleet_label_query_5']);
  });

  it('calls onResult for each answered query once the write succeeded', async () => {
    const peer = await startPeer();
    cleanups.push(() => peer.close());
    const seen: { name: string; rows: number }[] = [];
    const agent = createAgent(host('darwin'), { server: peer.url, enrollSecret: SECRET, onResult: (e) => seen.push({ name: e.name, rows: e.answer.rows.length }) });
    cleanups.push(() => agent.close());
    serveQueries(peer, { fleet_distributed_query_5: 'SELECT * FROM t_4' });
    await agent.checkIn();
    expect(seen).toEqual([{ name: 'fleet_distributed_query_5', rows: 4 }]);
  });
});

describe('re-enrollment', () => {
  it('re-enrolls on a node_invalid 401 and retries the request with the new key', async () => {
    const profile = host('centos');
    const { peer, agent } = await peerAndAgent(profile);
    await agent.enroll();
    let rejected = false;
    peer.handler = (path, body) => {
      if (path === '/api/osquery/distributed/read' && body.node_key === 'key-1' && !rejected) {
        rejected = true;
        return { status: 401, body: { error: 'authentication error: invalid node key: key-1', node_invalid: true } };
      }
      if (path === '/api/osquery/distributed/read') return { body: { queries: { fleet_label_query_1: 'SELECT 1' } } };
      return undefined;
    };

    await agent.checkIn();

    expect(agent.nodeKey).toBe('key-2');
    expect(peer.requests.map((r) => `${r.path} ${String(r.body.node_key ?? r.body.host_identifier)}`)).toEqual([
      `/api/osquery/enroll ${profile.uuid}`,
      '/api/osquery/distributed/read key-1',
      `/api/osquery/enroll ${profile.uuid}`,
      '/api/osquery/distributed/read key-2',
      '/api/osquery/distributed/write key-2',
    ]);
  });

  it('gives up on other errors with the status in the error', async () => {
    const { peer, agent } = await peerAndAgent(host('centos'));
    peer.handler = (path) => (path === '/api/osquery/config' ? { status: 500, body: { error: 'database is locked' } } : undefined);
    await expect(agent.config()).rejects.toMatchObject({ status: 500, message: 'POST /api/osquery/config → 500: database is locked' });
  });
});

describe('scheduled queries and logs', () => {
  it('logs pack results on their interval, as differential or snapshot lines', async () => {
    let now = Date.parse('2024-05-06T07:00:00Z');
    const peer = await startPeer();
    cleanups.push(() => peer.close());
    const profile = host('ubuntu');
    const agent = createAgent(profile, { server: peer.url, enrollSecret: SECRET, now: () => now });
    cleanups.push(() => agent.close());
    peer.handler = (path) =>
      path === '/api/osquery/config'
        ? {
            body: {
              options: { pack_delimiter: '/' },
              decorators: { load: ['SELECT uuid AS host_uuid FROM system_info;', 'SELECT hostname AS hostname FROM system_info;'] },
              packs: {
                ops: {
                  queries: {
                    info: { query: 'SELECT version FROM osquery_info', interval: 60 },
                    procs: { query: 'SELECT name FROM Proc_3', interval: 60, snapshot: true },
                    mac_only: { query: 'SELECT 1', interval: 60, platform: 'darwin' },
                  },
                },
                windows: { platform: 'windows', queries: { x: { query: 'SELECT 1', interval: 60 } } },
              },
            },
          }
        : undefined;

    await agent.config();
    expect(agent.scheduledQueries.map((q) => q.name)).toEqual(['pack/ops/info', 'pack/ops/procs']);

    now += 61_000;
    agent.runDueScheduledQueries();
    await agent.flushLogs();
    now += 61_000;
    agent.runDueScheduledQueries();
    await agent.flushLogs();

    const logs = peer.bodies('/api/osquery/log');
    expect(logs.map((l) => l.log_type)).toEqual(['status', 'result', 'result']);
    const [status] = logs[0]?.data as Json[];
    expect(status).toMatchObject({ hostIdentifier: profile.uuid, severity: '0', decorations: { host_uuid: profile.uuid, hostname: profile.hostname } });
    const firstRun = logs[1]?.data as Json[];
    expect(firstRun).toContainEqual(expect.objectContaining({ name: 'pack/ops/info', action: 'added', columns: { version: profile.osqueryInfo.version }, counter: 0 }));
    expect(firstRun).toContainEqual(expect.objectContaining({ name: 'pack/ops/procs', action: 'snapshot', snapshot: [{ name: 'name-0' }, { name: 'name-1' }, { name: 'name-2' }] }));
    // Unchanged differential results produce no new lines; snapshots repeat.
    const secondRun = logs[2]?.data as Json[];
    expect(secondRun.map((l) => `${String(l.name)} ${String(l.action)} ${String(l.counter)}`)).toEqual(['pack/ops/procs snapshot 1']);
  });
});

describe('startFleet', () => {
  it('enrolls every host with bounded concurrency, checks in on the interval, and stops cleanly', async () => {
    const peer = await startPeer(5);
    cleanups.push(() => peer.close());
    let liveServed = 0;
    peer.handler = (path) => {
      if (path === '/api/osquery/distributed/read' && liveServed < 3) {
        liveServed++;
        return { body: { queries: { fleet_distributed_query_1: 'SELECT * FROM q_2' } } };
      }
      return undefined;
    };
    const results: string[] = [];
    const fleet = startFleet({ server: peer.url, enrollSecret: SECRET, hosts: 12, seed: 4, intervalMs: 100, concurrency: 3, onResult: (e) => results.push(e.profile.hostname) });
    cleanups.push(async () => void (await fleet.stop()));

    await fleet.ready;
    await new Promise((resolve) => setTimeout(resolve, 600));
    const live = fleet.stats();
    const final = await fleet.stop();

    expect(live.enrolled).toBe(12);
    expect(live.online).toBe(12);
    expect(live.checkIns).toBeGreaterThanOrEqual(24);
    expect(peer.maxInFlight).toBeLessThanOrEqual(3);
    expect(new Set(peer.bodies('/api/osquery/enroll').map((b) => b.host_identifier)).size).toBe(12);
    expect(final.liveQueryResults).toBe(3);
    expect(final.liveQueryRows).toBe(6);
    expect(results).toHaveLength(3);
    expect(final.errors).toBe(0);
    // A request written just before stop() may still reach the peer afterwards, so the check
    // is that nothing new is issued and the peer never sees more than was issued.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fleet.stats().requests).toBe(final.requests);
    expect(peer.requests.length).toBeLessThanOrEqual(final.requests);
    expect(peer.requests.length).toBeGreaterThanOrEqual(final.requests - 3);
  });

  it('counts errors, backs off for at least a second, and stops while waiting', async () => {
    const peer = await startPeer();
    cleanups.push(() => peer.close());
    const errors: string[] = [];
    const fleet = startFleet({ server: peer.url, enrollSecret: 'nope', hosts: 2, intervalMs: 30, concurrency: 2, onError: (p, e) => errors.push(`${p.hostname} ${e.message}`) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const final = await fleet.stop();
    expect(final.enrolled).toBe(0);
    expect(final.errors).toBe(2);
    expect(errors).toHaveLength(2);
    expect(final.lastError).toContain('no matching secret');
    expect(peer.bodies('/api/osquery/enroll')).toHaveLength(2);
  });
});

describe('CLI arguments', () => {
  it('parse the documented flags', () => {
    const parsed = parseCliArgs(['--hosts', '50', '--server', 'http://localhost:9000/', '--enroll-secret', 's', '--platform-mix', 'darwin=1,windows=3', '--seed', '7', '--interval-seconds', '0.5', '--concurrency', '20', '--duration-seconds', '30']);
    expect(parsed).toEqual({
      help: false,
      options: {
        hosts: 50,
        server: 'http://localhost:9000',
        enrollSecret: 's',
        platformMix: { darwin: 1, windows: 3 },
        seed: 7,
        intervalMs: 500,
        concurrency: 20,
        durationMs: 30_000,
        firstIndex: 0,
        logs: true,
        insecure: false,
      },
    });
  });

  it.each([
    [['--enroll-secret', 's'], '--hosts is required'],
    [['--hosts', '0', '--enroll-secret', 's'], '--hosts must be a positive integer, got "0"'],
    [['--hosts', '2.5', '--enroll-secret', 's'], '--hosts must be a positive integer'],
    [['--hosts', '5'], '--enroll-secret is required'],
    [['--hosts', '5', '--enroll-secret', 's', '--server', 'ftp://x'], '--server must use http or https'],
    [['--hosts', '5', '--enroll-secret', 's', '--platform-mix', 'amiga=3'], '--platform-mix: unknown platform "amiga"'],
    [['--hosts', '5', '--enroll-secret', 's', '--interval-seconds=-1'], '--interval-seconds must be a positive number'],
    [['--hosts', '5', '--enroll-secret', 's', '--interval-seconds', '-1'], "Option '--interval-seconds' argument is ambiguous."],
    [['--hosts', '5', '--enroll-secret', 's', '--bogus'], "Unknown option '--bogus'"],
  ])('reject %j with one clear message', (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(UsageError);
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});
