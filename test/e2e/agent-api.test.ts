/**
 * osquery's TLS remote API, driven by raw HTTP like a real agent (fleet-behavior.md §6, §11 #71-#76).
 * Effects are observed only through user-facing routes: /hosts/search, /targets/count, GraphQL.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  agentConfig,
  checkIn,
  detail,
  distributedRead,
  distributedWrite,
  enroll,
  flagRows,
  hostDetails,
  labelQuery,
  osquery,
  policyQuery,
  sendLog,
  testClock,
  type Rows,
} from '../helpers/agents.js';
import { gqlClient, restClient } from '../helpers/clients.js';
import { startApp, type TestApp } from '../helpers/harness.js';

type HostJson = Record<string, unknown> & { id: number; hostname: string; uuid: string };

const MISSING_KEY = { error: 'authentication error: missing node key', node_invalid: true };
const INVALID_KEY = { error: expect.stringMatching(/^authentication error: invalid node key/), node_invalid: true };
const NO_SECRET = { error: 'enroll failed: no matching secret found', node_invalid: true };

const DEFAULT_CONFIG = {
  options: {
    pack_delimiter: '/',
    logger_tls_period: 10,
    distributed_plugin: 'tls',
    disable_distributed: false,
    logger_tls_endpoint: '/api/osquery/log',
    distributed_interval: 10,
    distributed_tls_max_attempts: 3,
  },
  decorators: {
    load: ['SELECT uuid AS host_uuid FROM system_info;', 'SELECT hostname AS hostname FROM system_info;'],
  },
};
const BLUE_OPTIONS = {
  config: { options: { distributed_interval: 30, config_refresh: 45, logger_tls_period: 15 }, decorators: { load: ['SELECT 1;'] } },
};
const GREEN_OPTIONS = {
  config: { options: { distributed_interval: 20 } },
  overrides: { platforms: { darwin: { options: { distributed_interval: 5 } } } },
};

const COMMON_DETAILS = ['osquery_info', 'system_info', 'os_version', 'osquery_flags', 'uptime', 'users', 'google_chrome_profiles', 'orbit_info'];
const UNIX_DETAILS = ['network_interface_unix', 'disk_space_unix'];
const DARWIN_DETAILS = [...COMMON_DETAILS, ...UNIX_DETAILS, 'software_macos', 'battery', 'munki_info', 'mdm'].map(detail);
const LINUX_DETAILS = [...COMMON_DETAILS, ...UNIX_DETAILS, 'software_linux'].map(detail);
const WINDOWS_DETAILS = [...COMMON_DETAILS, 'network_interface_windows', 'disk_space_windows', 'software_windows'].map(detail);

/** Built-in labels without a platform: every host is asked them. */
const ANY_PLATFORM = ['All Hosts', 'CentOS Linux', 'Red Hat Linux', 'All Linux'];

const clock = testClock();
let t: TestApp;
let rest: ReturnType<typeof restClient>;
let gql: ReturnType<typeof gqlClient>;
let blueId: number;
let greenId: number;

/** Hosts matching a search, as the admin sees them through POST /hosts/search. */
async function search(query: string): Promise<HostJson[]> {
  const r = await rest('POST', '/api/v1/fleet/hosts/search', { token: t.adminToken, body: { query } });
  expect(r.status).toBe(200);
  return r.body.hosts as HostJson[];
}

/** The one host whose uuid is `uuid`. */
async function hostByUuid(uuid: string): Promise<HostJson> {
  const found = (await search(uuid)).filter((h) => h.uuid === uuid);
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** Fields of one host through GraphQL `host(id)`, as the admin sees them. */
async function gqlHost(id: number, selection: string): Promise<Record<string, unknown>> {
  const r = await gql(`query($id: ID!) { host(id: $id) { ${selection} } }`, { id: String(id) }, t.adminToken);
  expect(r.errors).toBeUndefined();
  return r.data.host as Record<string, unknown>;
}

async function countTargets(selected: Record<string, number[]>, app = t): Promise<Record<string, number>> {
  const r = await restClient(app.url)('POST', '/api/v1/fleet/targets/count', { token: app.adminToken, body: { selected } });
  expect(r.status).toBe(200);
  return r.body as Record<string, number>;
}

let enrolled = 0;
/** Enrolls a host with a unique uuid (how tests find it again) and answers its key and uuid. */
async function newHost(
  facts: { hostname?: string; platform?: string; secret?: string } = {},
  app = t,
): Promise<{ key: string; uuid: string; hostname: string }> {
  enrolled += 1;
  const uuid = `UUID-${enrolled}-${facts.platform ?? 'none'}`;
  const hostname = facts.hostname ?? `agent-${enrolled}.local`;
  const key = await enroll(
    app.url,
    facts.secret ?? 'global-secret',
    `identifier-${enrolled}`,
    hostDetails({ hostname, uuid, platform: facts.platform ?? 'darwin', osName: 'Some OS' }),
  );
  return { key, uuid, hostname };
}

const idOf = (list: { id: string; name: string }[], name: string): number => Number(list.find((x) => x.name === name)!.id);

beforeAll(async () => {
  t = await startApp({ detailInterval: 60, labelInterval: 60, policyInterval: 60 }, { clock: clock.now });
  rest = restClient(t.url);
  gql = gqlClient(t.url);
  const secret = await rest('POST', '/api/v1/fleet/spec/enroll_secret', {
    token: t.adminToken,
    body: { spec: { secrets: [{ secret: 'global-secret' }] } },
  });
  expect(secret.status).toBe(200);
  const teams = await rest('POST', '/api/v1/fleet/spec/teams', {
    token: t.adminToken,
    body: {
      specs: [
        { name: 'blue', secrets: [{ secret: 'blue-secret' }], agent_options: BLUE_OPTIONS },
        { name: 'green', secrets: [{ secret: 'green-secret' }], agent_options: GREEN_OPTIONS },
      ],
    },
  });
  expect(teams.status).toBe(200);
  const list = (await gql('{ teams { id name } }', {}, t.adminToken)).data.teams as { id: string; name: string }[];
  blueId = idOf(list, 'blue');
  greenId = idOf(list, 'green');
});

describe('POST /api/osquery/enroll', () => {
  it('should answer a 24-byte base64 node key for a known enroll secret', async () => {
    const r = await osquery(t.url, '/api/osquery/enroll', { enroll_secret: 'global-secret', host_identifier: 'enroll-ok' });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(['node_key']);
    expect(Buffer.from(r.body.node_key as string, 'base64')).toHaveLength(24);
  });

  it('should refuse a wrong secret with 401 and node_invalid', async () => {
    const r = await osquery(t.url, '/api/v1/osquery/enroll', { enroll_secret: 'wrong', host_identifier: 'x' });
    expect(r).toEqual({ status: 401, body: NO_SECRET });
  });

  it('should refuse an empty or missing secret the same way', async () => {
    expect(await osquery(t.url, '/api/osquery/enroll', { enroll_secret: '', host_identifier: 'x' })).toEqual({ status: 401, body: NO_SECRET });
    expect(await osquery(t.url, '/api/osquery/enroll', { host_identifier: 'x' })).toEqual({ status: 401, body: NO_SECRET });
  });

  it('should refuse an empty host identifier with 400 in osquery error shape', async () => {
    const r = await osquery(t.url, '/api/osquery/enroll', { enroll_secret: 'global-secret', host_identifier: '  ' });
    expect(r).toEqual({ status: 400, body: { error: 'enroll failed: host_identifier is required' } });
  });

  it('should keep the host id on re-enroll with the same identifier and rotate the node key', async () => {
    const details = hostDetails({ hostname: 'reenroll.local', uuid: 'REENROLL-UUID', platform: 'ubuntu' });
    const first = await enroll(t.url, 'global-secret', 'reenroll-identifier', details);
    const before = await hostByUuid('REENROLL-UUID');
    const second = await enroll(t.url, 'global-secret', 'reenroll-identifier', details);
    expect(second).not.toBe(first);
    const after = await hostByUuid('REENROLL-UUID');
    expect(after.id).toBe(before.id);
    expect(await agentConfig(t.url, first)).toEqual({ status: 401, body: INVALID_KEY });
    expect((await agentConfig(t.url, second)).status).toBe(200);
  });

  it('should put a host enrolled with a team secret on that team', async () => {
    const { uuid } = await newHost({ secret: 'blue-secret', hostname: 'blue-enrolled.local' });
    const host = await hostByUuid(uuid);
    expect(host.team_id).toBe(blueId);
    expect(await countTargets({ teams: [blueId], hosts: [] })).toMatchObject({ targets_count: 1 });
  });

  it('should move a host to the team of the secret it re-enrolls with', async () => {
    const details = hostDetails({ hostname: 'mover.local', uuid: 'MOVER-UUID', platform: 'darwin' });
    await enroll(t.url, 'global-secret', 'mover', details);
    expect((await hostByUuid('MOVER-UUID')).team_id).toBeNull();
    await enroll(t.url, 'green-secret', 'mover', details);
    expect((await hostByUuid('MOVER-UUID')).team_id).toBe(greenId);
  });

  it('should enroll through the /api/v1/osquery alias, and the key works on both prefixes', async () => {
    const key = await enroll(t.url, 'global-secret', 'alias-host', {}, '/api/v1/osquery/enroll');
    expect((await osquery(t.url, '/api/v1/osquery/config', { node_key: key })).status).toBe(200);
    expect((await osquery(t.url, '/api/osquery/config', { node_key: key })).status).toBe(200);
  });

  it('should answer 404 for a versioned path other than v1 (/api/latest/osquery/enroll)', async () => {
    const r = await osquery(t.url, '/api/latest/osquery/enroll', { enroll_secret: 'global-secret', host_identifier: 'x' });
    expect(r.status).toBe(404);
    expect(r.body.message).toBe('Resource Not Found');
  });

  it('should ingest the host_details of the enrollment at once', async () => {
    const key = await enroll(t.url, 'global-secret', 'details-at-enroll', {
      os_version: { name: 'macOS', major: '14', minor: '2', patch: '1', build: '23C71', platform: 'darwin', platform_like: 'darwin' },
      osquery_info: { version: '5.11.0' },
      system_info: { hostname: 'enrolled-details.local', uuid: 'ENROLL-DETAILS', hardware_serial: 'C02XYZ', cpu_brand: 'Apple M2', physical_memory: '17179869184' },
    });
    expect(key).not.toBe('');
    expect(await hostByUuid('ENROLL-DETAILS')).toMatchObject({
      hostname: 'enrolled-details.local',
      platform: 'darwin',
      os_version: 'macOS 14.2.1',
      build: '23C71',
      osquery_version: '5.11.0',
      hardware_serial: 'C02XYZ',
      cpu_brand: 'Apple M2',
      memory: 17179869184,
      status: 'online',
      seen_time: clock.now().toISOString().replace('.000Z', 'Z'),
      last_enrolled_at: clock.now().toISOString().replace('.000Z', 'Z'),
    });
  });

  it('should accept numbers in host_details as their strings', async () => {
    await enroll(t.url, 'global-secret', 'numeric-details', {
      system_info: { hostname: 'numeric.local', uuid: 'NUMERIC', cpu_logical_cores: 8 as unknown as string },
    });
    expect(await hostByUuid('NUMERIC')).toMatchObject({ cpu_logical_cores: 8 });
  });
});

describe('POST /api/osquery/config', () => {
  let labelId: number;

  beforeAll(async () => {
    const queries = await rest('POST', '/api/v1/fleet/spec/queries', {
      token: t.adminToken,
      body: { specs: [{ name: 'uptime', query: 'SELECT * FROM uptime' }, { name: 'procs', query: 'SELECT * FROM processes' }] },
    });
    expect(queries.status).toBe(200);
    const labels = await rest('POST', '/api/v1/fleet/spec/labels', {
      token: t.adminToken,
      body: { specs: [{ name: 'cfg mac', query: "SELECT 1 FROM os_version WHERE platform = 'darwin'", platform: 'darwin' }] },
    });
    expect(labels.status).toBe(200);
    labelId = Number((await gql('{ label(name: "cfg mac") { id } }', {}, t.adminToken)).data.label.id);
    const packs = await rest('POST', '/api/v1/fleet/spec/packs', {
      token: t.adminToken,
      body: {
        specs: [
          {
            name: 'via-label',
            targets: { labels: ['cfg mac'] },
            queries: [
              { query: 'uptime', interval: 60, snapshot: true, platform: 'darwin', version: '5.0.0', removed: false, shard: 50, denylist: false },
              { query: 'procs', name: 'processes', interval: 300 },
            ],
          },
          { name: 'via-team', platform: 'darwin', targets: { teams: ['blue'] }, queries: [{ query: 'procs', interval: 120 }] },
          { name: 'switched-off', disabled: true, targets: { labels: ['cfg mac'], teams: ['blue'] }, queries: [{ query: 'uptime', interval: 10 }] },
        ],
      },
    });
    expect(packs.status).toBe(200);
  });

  it('should answer the global agent options at the top level with no packs when none targets the host', async () => {
    const { key } = await newHost();
    expect(await agentConfig(t.url, key)).toEqual({ status: 200, body: DEFAULT_CONFIG });
  });

  it('should add the packs of a label once the host is a member of it, in osquery format, leaving disabled packs out', async () => {
    const { key } = await newHost();
    await checkIn(t.url, key, { [labelQuery(labelId)]: [{ 1: '1' }] });
    expect(await agentConfig(t.url, key)).toEqual({
      status: 200,
      body: {
        ...DEFAULT_CONFIG,
        packs: {
          'via-label': {
            queries: {
              uptime: {
                query: 'SELECT * FROM uptime',
                interval: 60,
                platform: 'darwin',
                version: '5.0.0',
                removed: false,
                snapshot: true,
                shard: 50,
                denylist: false,
              },
              processes: { query: 'SELECT * FROM processes', interval: 300 },
            },
          },
        },
      },
    });
  });

  it('should drop the label pack again when the host leaves the label', async () => {
    const { key } = await newHost();
    await checkIn(t.url, key, { [labelQuery(labelId)]: [{ 1: '1' }] });
    expect((await agentConfig(t.url, key)).body.packs).toBeDefined();
    await checkIn(t.url, key, { [labelQuery(labelId)]: [] });
    expect((await agentConfig(t.url, key)).body).toEqual(DEFAULT_CONFIG);
  });

  it("should answer the team's agent options instead of the global ones, plus the packs targeting the team", async () => {
    const { key } = await newHost({ secret: 'blue-secret' });
    expect(await agentConfig(t.url, key)).toEqual({
      status: 200,
      body: {
        ...BLUE_OPTIONS.config,
        packs: { 'via-team': { platform: 'darwin', queries: { procs: { query: 'SELECT * FROM processes', interval: 120 } } } },
      },
    });
  });

  it('should record the interval options it hands out on the host', async () => {
    const { key, uuid } = await newHost({ secret: 'blue-secret' });
    expect(await hostByUuid(uuid)).toMatchObject({ distributed_interval: 0, config_tls_refresh: 0, logger_tls_period: 0 });
    await agentConfig(t.url, key);
    expect(await hostByUuid(uuid)).toMatchObject({ distributed_interval: 30, config_tls_refresh: 45, logger_tls_period: 15 });
  });

  it("should replace the config with the override for the host's platform", async () => {
    const mac = await newHost({ secret: 'green-secret', platform: 'darwin' });
    const linux = await newHost({ secret: 'green-secret', platform: 'ubuntu' });
    expect(await agentConfig(t.url, mac.key)).toEqual({ status: 200, body: { options: { distributed_interval: 5 } } });
    expect(await agentConfig(t.url, linux.key)).toEqual({ status: 200, body: { options: { distributed_interval: 20 } } });
    expect(await hostByUuid(mac.uuid)).toMatchObject({ distributed_interval: 5 });
  });
});

describe('POST /api/osquery/distributed/read', () => {
  const rclock = testClock();
  let r: TestApp;
  let labels: Record<string, { id: number; query: string }>;
  let policies: Record<string, { id: number; query: string }>;

  const labelEntries = (...names: string[]) => names.map((n) => [labelQuery(labels[n]!.id), labels[n]!.query] as const);
  const policyEntries = (...names: string[]) => names.map((n) => [policyQuery(policies[n]!.id), policies[n]!.query] as const);
  /** What distributed/read should answer: detail names (SQL not compared) and exact label and policy SQL. */
  async function readShape(key: string) {
    const got = await distributedRead(r.url, key);
    expect(got.status).toBe(200);
    const queries = got.body.queries;
    const details = Object.keys(queries).filter((k) => k.startsWith('fleet_detail_query_')).sort();
    const rest = Object.fromEntries(Object.entries(queries).filter(([k]) => !k.startsWith('fleet_detail_query_')));
    return { details, rest, accelerate: got.body.accelerate, keys: Object.keys(got.body).sort() };
  }

  beforeAll(async () => {
    r = await startApp({ detailInterval: 60, labelInterval: 60, policyInterval: 60 }, { clock: rclock.now });
    const admin = restClient(r.url);
    const ok = async (path: string, body: unknown) => expect((await admin('POST', path, { token: r.adminToken, body })).status).toBe(200);
    await ok('/api/v1/fleet/spec/enroll_secret', { spec: { secrets: [{ secret: 'global-secret' }] } });
    await ok('/api/v1/fleet/spec/teams', { specs: [{ name: 'red', secrets: [{ secret: 'red-secret' }] }, { name: 'other' }] });
    await ok('/api/v1/fleet/spec/labels', {
      specs: [
        { name: 'macs', query: "SELECT 1 FROM os_version WHERE platform = 'darwin'", platform: 'darwin' },
        { name: 'windows boxes', query: 'SELECT 1 FROM windows_crashes', platform: 'windows' },
        { name: 'everyone', query: 'SELECT 2' },
        { name: 'by hand', label_membership_type: 'manual', hosts: [] },
      ],
    });
    await ok('/api/v1/fleet/spec/policies', {
      specs: [
        { name: 'all', query: 'SELECT 10' },
        { name: 'mac', query: 'SELECT 11', platform: 'darwin' },
        { name: 'win', query: 'SELECT 12', platform: 'windows' },
        { name: 'unix', query: 'SELECT 13', platform: 'darwin,linux' },
        { name: 'red only', query: 'SELECT 14', team: 'red' },
        { name: 'other only', query: 'SELECT 15', team: 'other' },
      ],
    });
    const g = gqlClient(r.url);
    const data = (await g('{ labels { id name query } teams { id name } }', {}, r.adminToken)).data;
    labels = Object.fromEntries((data.labels as { id: string; name: string; query: string }[]).map((l) => [l.name, { id: Number(l.id), query: l.query }]));
    const teamIds = (data.teams as { id: string; name: string }[]).map((x) => x.id);
    const all = [(await g('{ policies { id name query } }', {}, r.adminToken)).data.policies];
    for (const id of teamIds) all.push((await g('query($id: ID) { policies(teamId: $id) { id name query } }', { id }, r.adminToken)).data.policies);
    policies = Object.fromEntries((all.flat() as { id: string; name: string; query: string }[]).map((p) => [p.name, { id: Number(p.id), query: p.query }]));
  });

  it('should give a darwin host on a team every darwin detail query, its labels, and its global and team policies on first check-in', async () => {
    const { key } = await newHost({ platform: 'darwin', secret: 'red-secret' }, r);
    const got = await readShape(key);
    expect(got.details).toEqual([...DARWIN_DETAILS].sort());
    expect(got.rest).toEqual(Object.fromEntries([...labelEntries(...ANY_PLATFORM, 'macOS', 'macs', 'everyone'), ...policyEntries('all', 'mac', 'unix', 'red only')]));
    expect(got.keys).toEqual(['queries']);
  });

  it('should give an ubuntu host the linux detail queries and the policies whose platforms list includes linux', async () => {
    const { key } = await newHost({ platform: 'ubuntu' }, r);
    const got = await readShape(key);
    expect(got.details).toEqual([...LINUX_DETAILS].sort());
    expect(got.rest).toEqual(Object.fromEntries([...labelEntries(...ANY_PLATFORM, 'Ubuntu Linux', 'everyone'), ...policyEntries('all', 'unix')]));
  });

  it('should give a windows host the windows detail queries, labels and policies', async () => {
    const { key } = await newHost({ platform: 'windows' }, r);
    const got = await readShape(key);
    expect(got.details).toEqual([...WINDOWS_DETAILS].sort());
    expect(got.rest).toEqual(Object.fromEntries([...labelEntries(...ANY_PLATFORM, 'MS Windows', 'windows boxes', 'everyone'), ...policyEntries('all', 'win')]));
  });

  it('should ask again for nothing once details, labels and policies are answered, until their intervals pass', async () => {
    const { key } = await newHost({ platform: 'darwin', secret: 'red-secret' }, r);
    const first = await distributedRead(r.url, key);
    const answers = Object.fromEntries(Object.keys(first.body.queries).map((k) => [k, [] as Rows]));
    await checkIn(r.url, key, answers);
    expect(await distributedRead(r.url, key)).toEqual({ status: 200, body: { queries: {} } });

    rclock.advance(59);
    expect(await distributedRead(r.url, key)).toEqual({ status: 200, body: { queries: {} } });
    rclock.advance(1);
    const again = await distributedRead(r.url, key);
    expect(Object.keys(again.body.queries).sort()).toEqual(Object.keys(first.body.queries).sort());
  });

  it('should stop asking for a whole kind (details, labels) once any answer of that kind arrives', async () => {
    const { key } = await newHost({ platform: 'ubuntu' }, r);
    await checkIn(r.url, key, { [detail('osquery_info')]: [{ version: '5.9.0' }], [labelQuery(labels.everyone!.id)]: [] });
    const got = await readShape(key);
    expect(got.details).toEqual([]);
    expect(got.rest).toEqual(Object.fromEntries(policyEntries('all', 'unix')));
  });

  it('should ask for the details again when the only detail answer failed', async () => {
    const { key } = await newHost({ platform: 'ubuntu' }, r);
    const r1 = await distributedWrite(r.url, key, {
      queries: { [detail('osquery_info')]: [] },
      statuses: { [detail('osquery_info')]: 1 },
      messages: { [detail('osquery_info')]: 'no such table: osquery_info' },
    });
    expect(r1).toEqual({ status: 200, body: {} });
    expect((await readShape(key)).details).toEqual([...LINUX_DETAILS].sort());
  });

  it('should ask a host that has not reported its hostname or platform to accelerate, with only the common queries', async () => {
    const key = await enroll(r.url, 'global-secret', 'bare-host', {});
    const got = await readShape(key);
    expect(got.accelerate).toBe(10);
    expect(got.details).toEqual(COMMON_DETAILS.map(detail).sort());
    expect(got.rest).toEqual(Object.fromEntries([...labelEntries(...ANY_PLATFORM, 'everyone'), ...policyEntries('all')]));

    await checkIn(r.url, key, { [detail('system_info')]: [{ hostname: 'bare.local', uuid: 'BARE' }] });
    expect((await readShape(key)).accelerate).toBe(10);
    await checkIn(r.url, key, { [detail('os_version')]: [{ name: 'Ubuntu', platform: 'ubuntu', version: '22.04' }] });
    expect((await distributedRead(r.url, key)).body).not.toHaveProperty('accelerate');
  });
});

describe('POST /api/osquery/distributed/write', () => {
  const stamp = () => clock.now().toISOString().replace('.000Z', 'Z');

  it.each<[string, string, string, Rows, Record<string, unknown>]>([
    ['the osquery version from osquery_info', 'osquery_info', 'darwin', [{ version: '5.10.2', build_platform: 'darwin' }], { osquery_version: '5.10.2' }],
    [
      'hardware, cpu, memory and names from system_info',
      'system_info',
      'darwin',
      [
        {
          hostname: 'renamed.local',
          cpu_type: 'arm64e',
          cpu_subtype: 'ARM64E',
          cpu_brand: 'Apple M1 Pro',
          cpu_physical_cores: '10',
          cpu_logical_cores: '10',
          physical_memory: '34359738368',
          hardware_vendor: 'Apple Inc.',
          hardware_model: 'MacBookPro18,3',
          hardware_version: '1.0',
          hardware_serial: 'FVFXXXX',
          computer_name: "Ada's MacBook",
        },
      ],
      {
        hostname: 'renamed.local',
        cpu_type: 'arm64e',
        cpu_subtype: 'ARM64E',
        cpu_brand: 'Apple M1 Pro',
        cpu_physical_cores: 10,
        cpu_logical_cores: 10,
        memory: 34359738368,
        hardware_vendor: 'Apple Inc.',
        hardware_model: 'MacBookPro18,3',
        hardware_version: '1.0',
        hardware_serial: 'FVFXXXX',
        computer_name: "Ada's MacBook",
        display_text: 'renamed.local',
        display_name: "Ada's MacBook",
      },
    ],
    [
      'name and major.minor.patch from os_version',
      'os_version',
      'darwin',
      [{ name: 'macOS', version: '14.2.1', major: '14', minor: '2', patch: '1', build: '23C71', platform: 'darwin', platform_like: 'darwin', codename: 'Sonoma' }],
      { os_version: 'macOS 14.2.1', platform: 'darwin', platform_like: 'darwin', build: '23C71', code_name: 'Sonoma' },
    ],
    [
      'name and version from os_version when patch is empty',
      'os_version',
      'windows',
      [{ name: 'Microsoft Windows 11 Pro', version: '10.0.22631', major: '10', minor: '0', patch: '', build: '22631', platform: 'windows', platform_like: 'windows' }],
      { os_version: 'Microsoft Windows 11 Pro 10.0.22631', platform: 'windows', build: '22631' },
    ],
    ['the three intervals from osquery_flags', 'osquery_flags', 'darwin', flagRows(15, 20, 25), { distributed_interval: 15, config_tls_refresh: 20, logger_tls_period: 25 }],
    ['config_refresh as config_tls_refresh from osquery_flags', 'osquery_flags', 'darwin', [{ name: 'config_refresh', value: '33' }], { config_tls_refresh: 33 }],
    ['uptime in nanoseconds from uptime', 'uptime', 'darwin', [{ days: '0', hours: '2', total_seconds: '7200' }], { uptime: 7200e9 }],
    [
      'the first usable IPv4 address from network_interface_unix',
      'network_interface_unix',
      'ubuntu',
      [
        { interface: 'lo', address: '127.0.0.1', mac: '00:00:00:00:00:00' },
        { interface: 'eth0', address: 'fe80::1', mac: 'aa:bb:cc:00:00:01' },
        { interface: 'eth0', address: '2001:db8::5', mac: 'aa:bb:cc:00:00:01' },
        { interface: 'eth1', address: '169.254.3.3', mac: 'aa:bb:cc:00:00:02' },
        { interface: 'eth2', address: '192.168.1.20', mac: 'aa:bb:cc:00:00:03' },
      ],
      { primary_ip: '192.168.1.20', primary_mac: 'aa:bb:cc:00:00:03' },
    ],
    [
      'a global IPv6 address when there is no IPv4 one from network_interface_unix',
      'network_interface_unix',
      'ubuntu',
      [{ interface: 'eth0', address: '2001:db8::7', mac: 'aa:bb:cc:00:00:07' }],
      { primary_ip: '2001:db8::7', primary_mac: 'aa:bb:cc:00:00:07' },
    ],
    [
      'the address and mac from network_interface_windows',
      'network_interface_windows',
      'windows',
      [{ interface: 'Ethernet', address: '10.1.2.3', mac: '00:15:5d:01:02:03' }],
      { primary_ip: '10.1.2.3', primary_mac: '00:15:5d:01:02:03' },
    ],
    [
      'free disk space from disk_space_unix',
      'disk_space_unix',
      'darwin',
      [{ percent_disk_space_available: '56', gigs_disk_space_available: '232.52' }],
      { percent_disk_space_available: 56, gigs_disk_space_available: 232.52 },
    ],
    [
      'free disk space from disk_space_windows',
      'disk_space_windows',
      'windows',
      [{ percent_disk_space_available: '12', gigs_disk_space_available: '61.0' }],
      { percent_disk_space_available: 12, gigs_disk_space_available: 61 },
    ],
  ])('should ingest %s', async (_what, name, platform, template, expected) => {
    const { key, uuid } = await newHost({ platform });
    // system_info replaces the uuid too; keep it so the host can be found again.
    const rows = template.map((r) => (name === 'system_info' ? { ...r, uuid } : r));
    clock.advance(1);
    expect(await distributedWrite(t.url, key, { queries: { [detail(name)]: rows }, statuses: { [detail(name)]: 0 } })).toEqual({
      status: 200,
      body: {},
    });
    const host = await hostByUuid(uuid);
    expect(host).toMatchObject({ ...expected, detail_updated_at: stamp() });
  });

  it.each<[string, string, string, Rows, string, Record<string, unknown>]>([
    [
      'users',
      'users',
      'darwin',
      [{ uid: '501', username: 'ada', type: '', groupname: 'staff', shell: '/bin/zsh' }],
      'users { uid username type groupname shell }',
      { users: [{ uid: 501, username: 'ada', type: '', groupname: 'staff', shell: '/bin/zsh' }] },
    ],
    [
      'apps as software from software_macos',
      'software_macos',
      'darwin',
      [{ name: 'Safari.app', version: '17.2', source: 'apps', bundle_identifier: 'com.apple.Safari', last_opened_at: '1700000000' }],
      'software { name version source bundleIdentifier lastOpenedAt }',
      {
        software: [
          { name: 'Safari.app', version: '17.2', source: 'apps', bundleIdentifier: 'com.apple.Safari', lastOpenedAt: new Date(1_700_000_000_000).toISOString() },
        ],
      },
    ],
    [
      'packages as software from software_linux',
      'software_linux',
      'ubuntu',
      [{ name: 'curl', version: '7.81.0', source: 'deb_packages', bundle_identifier: '' }],
      'software { name version source bundleIdentifier lastOpenedAt }',
      { software: [{ name: 'curl', version: '7.81.0', source: 'deb_packages', bundleIdentifier: '', lastOpenedAt: null }] },
    ],
    [
      'programs as software from software_windows',
      'software_windows',
      'windows',
      [{ name: 'Git', version: '2.43.0', source: 'programs', bundle_identifier: '' }],
      'software { name version source }',
      { software: [{ name: 'Git', version: '2.43.0', source: 'programs' }] },
    ],
    [
      'batteries from battery',
      'battery',
      'darwin',
      [{ serial_number: 'B1', cycle_count: '120', health: 'Good' }],
      'batteries { serialNumber cycleCount health }',
      { batteries: [{ serialNumber: 'B1', cycleCount: 120, health: 'Good' }] },
    ],
    ['the munki version from munki_info', 'munki_info', 'darwin', [{ version: '6.3.1' }], 'munki { version }', { munki: { version: '6.3.1' } }],
    [
      'the MDM enrollment and vendor from mdm',
      'mdm',
      'darwin',
      [{ enrolled: 'true', server_url: 'https://acme.kandji.io/mdm', installed_from_dep: 'true' }],
      'mdm { enrollmentStatus serverUrl name installedFromDep }',
      { mdm: { enrollmentStatus: 'On (automatic)', serverUrl: 'https://acme.kandji.io/mdm', name: 'Kandji', installedFromDep: true } },
    ],
    [
      'distinct emails as device mapping from google_chrome_profiles',
      'google_chrome_profiles',
      'darwin',
      [{ email: 'ada@example.com' }, { email: 'ada@example.com' }, { email: 'bob@example.com' }],
      'deviceMapping { email source }',
      {
        deviceMapping: [
          { email: 'ada@example.com', source: 'google_chrome_profiles' },
          { email: 'bob@example.com', source: 'google_chrome_profiles' },
        ],
      },
    ],
    ['the orbit version from orbit_info', 'orbit_info', 'darwin', [{ version: '1.20.0', device_auth_token: 'device-token-1' }], 'orbitVersion', { orbitVersion: '1.20.0' }],
  ])('should ingest %s (read through GraphQL host)', async (_what, name, platform, rows, selection, expected) => {
    const { key, uuid } = await newHost({ platform });
    clock.advance(1);
    expect(await distributedWrite(t.url, key, { queries: { [detail(name)]: rows }, statuses: { [detail(name)]: 0 } })).toEqual({
      status: 200,
      body: {},
    });
    const host = await hostByUuid(uuid);
    expect(host.detail_updated_at).toBe(stamp());
    expect(await gqlHost(host.id, selection)).toEqual(expected);
  });

  it("should make orbit_info's device token open the device routes for that host, until another token replaces it", async () => {
    const { key, uuid } = await newHost();
    const id = (await hostByUuid(uuid)).id;
    const device = (token: string) => rest('GET', `/api/v1/fleet/device/${token}`);
    expect((await device('orbit-token-a')).status).toBe(401);
    await checkIn(t.url, key, { [detail('orbit_info')]: [{ version: '1.20.0', device_auth_token: 'orbit-token-a' }] });
    const first = await device('orbit-token-a');
    expect({ status: first.status, id: first.body.host?.id }).toEqual({ status: 200, id });
    await checkIn(t.url, key, { [detail('orbit_info')]: [{ version: '1.21.0', device_auth_token: 'orbit-token-b' }] });
    expect((await device('orbit-token-a')).status).toBe(401);
    expect((await device('orbit-token-b')).body.host?.id).toBe(id);
  });

  it('should replace inventory wholesale on each answer and clear munki and mdm on an empty answer', async () => {
    const { key, uuid } = await newHost();
    const id = (await hostByUuid(uuid)).id;
    await checkIn(t.url, key, {
      [detail('users')]: [{ uid: '501', username: 'ada' }, { uid: '502', username: 'bob' }],
      [detail('munki_info')]: [{ version: '6.3.1' }],
      [detail('mdm')]: [{ enrolled: 'false', server_url: '', installed_from_dep: 'false' }],
    });
    expect(await gqlHost(id, 'users { username } munki { version } mdm { enrollmentStatus name }')).toEqual({
      users: [{ username: 'ada' }, { username: 'bob' }],
      munki: { version: '6.3.1' },
      mdm: { enrollmentStatus: 'Off', name: '' },
    });
    await checkIn(t.url, key, { [detail('users')]: [{ uid: '502', username: 'bob' }], [detail('munki_info')]: [], [detail('mdm')]: '' });
    expect(await gqlHost(id, 'users { username } munki { version } mdm { enrollmentStatus }')).toEqual({
      users: [{ username: 'bob' }],
      munki: null,
      mdm: null,
    });
  });

  it('should take statuses as numbers or numeric strings, and skip failed detail answers', async () => {
    const { key, uuid } = await newHost();
    const before = await hostByUuid(uuid);
    for (const status of [1, '1', ' 2 ']) {
      const w = await distributedWrite(t.url, key, {
        queries: { [detail('osquery_info')]: [{ version: '9.9.9' }] },
        statuses: { [detail('osquery_info')]: status },
        messages: { [detail('osquery_info')]: 'no such table: osquery_info' },
      });
      expect(w).toEqual({ status: 200, body: {} });
    }
    expect(await hostByUuid(uuid)).toMatchObject({ osquery_version: before.osquery_version, detail_updated_at: before.detail_updated_at });
    await distributedWrite(t.url, key, { queries: { [detail('osquery_info')]: [{ version: '5.1.0' }] }, statuses: { [detail('osquery_info')]: '0' } });
    expect(await hostByUuid(uuid)).toMatchObject({ osquery_version: '5.1.0' });
  });

  it('should treat an answer without a status as succeeded', async () => {
    const { key, uuid } = await newHost();
    await distributedWrite(t.url, key, { queries: { [detail('osquery_info')]: [{ version: '5.2.0' }] } });
    expect(await hostByUuid(uuid)).toMatchObject({ osquery_version: '5.2.0' });
  });

  it('should refuse a status that is not a number with 400 in osquery error shape', async () => {
    const { key } = await newHost();
    const w = await distributedWrite(t.url, key, { queries: { [detail('osquery_info')]: [] }, statuses: { [detail('osquery_info')]: 'abc' } });
    expect(w).toEqual({ status: 400, body: { error: 'query status should be string or number' } });
  });

  it('should take "" as no rows', async () => {
    const { key, uuid } = await newHost();
    expect(await distributedWrite(t.url, key, { queries: { [detail('users')]: '' }, statuses: { [detail('users')]: 0 } })).toEqual({
      status: 200,
      body: {},
    });
    expect((await hostByUuid(uuid)).detail_updated_at).toBe(stamp());
  });

  it('should answer 200 {} for query names it never asked', async () => {
    const { key } = await newHost();
    const w = await distributedWrite(t.url, key, {
      queries: { something_else: [{ a: '1' }], [detail('nope')]: [], fleet_label_query_abc: [], fleet_policy_query_x: [] },
      statuses: { something_else: 0, orphan_status: 0 },
    });
    expect(w).toEqual({ status: 200, body: {} });
  });

  describe('label membership', () => {
    let flipId: number;
    let hostId: number;
    let key: string;
    const members = async () => (await gql('{ label(name: "flip") { hostnames } }', {}, t.adminToken)).data.label.hostnames as string[];

    beforeAll(async () => {
      expect((await rest('POST', '/api/v1/fleet/spec/labels', { token: t.adminToken, body: { specs: [{ name: 'flip', query: 'SELECT 1' }] } })).status).toBe(200);
      flipId = Number((await gql('{ label(name: "flip") { id } }', {}, t.adminToken)).data.label.id);
      const h = await newHost({ hostname: 'flipper.local' });
      key = h.key;
      hostId = (await hostByUuid(h.uuid)).id;
    });

    const write = (answers: Parameters<typeof distributedWrite>[2]) => distributedWrite(t.url, key, answers);
    const count = async () => (await countTargets({ labels: [flipId] })).targets_count;

    it('should make the host a member when the label query returns rows', async () => {
      expect(await count()).toBe(0);
      expect(await write({ queries: { [labelQuery(flipId)]: [{ 1: '1' }] }, statuses: { [labelQuery(flipId)]: 0 } })).toEqual({ status: 200, body: {} });
      expect(await count()).toBe(1);
      expect(await members()).toEqual(['flipper.local']);
      expect(await countTargets({ labels: [flipId], hosts: [hostId] })).toMatchObject({ targets_count: 1 });
    });

    it('should remove the host when the label query returns no rows', async () => {
      await write({ queries: { [labelQuery(flipId)]: [] }, statuses: { [labelQuery(flipId)]: 0 } });
      expect(await count()).toBe(0);
      expect(await members()).toEqual([]);
    });

    it('should add it back, then remove it when the label query fails', async () => {
      await write({ queries: { [labelQuery(flipId)]: [{ 1: '1' }] } });
      expect(await count()).toBe(1);
      await write({ queries: { [labelQuery(flipId)]: [{ 1: '1' }] }, statuses: { [labelQuery(flipId)]: '1' }, messages: { [labelQuery(flipId)]: 'boom' } });
      expect(await count()).toBe(0);
    });

    it('should remove the host when the label answer is ""', async () => {
      await write({ queries: { [labelQuery(flipId)]: [{ 1: '1' }] } });
      expect(await count()).toBe(1);
      await write({ queries: { [labelQuery(flipId)]: '' }, statuses: { [labelQuery(flipId)]: 0 } });
      expect(await count()).toBe(0);
    });

    it('should remove the host when only a failed status arrives for the label', async () => {
      await write({ queries: { [labelQuery(flipId)]: [{ 1: '1' }] } });
      expect(await count()).toBe(1);
      await write({ statuses: { [labelQuery(flipId)]: 1 }, messages: { [labelQuery(flipId)]: 'no such table' } });
      expect(await count()).toBe(0);
    });

    it('should ignore results for a label id that does not exist', async () => {
      expect(await write({ queries: { [labelQuery(999_999)]: [{ 1: '1' }] } })).toEqual({ status: 200, body: {} });
    });
  });

  describe('policy results', () => {
    let ids: number[];

    beforeAll(async () => {
      const r = await rest('POST', '/api/v1/fleet/spec/policies', {
        token: t.adminToken,
        body: { specs: [{ name: 'passes', query: 'SELECT 1' }, { name: 'fails', query: 'SELECT 2' }, { name: 'unknown', query: 'SELECT 3' }] },
      });
      expect(r.status).toBe(200);
      const list = (await gql('{ policies { id name } }', {}, t.adminToken)).data.policies as { id: string; name: string }[];
      ids = ['passes', 'fails', 'unknown'].map((n) => idOf(list, n));
    });

    const responses = async (id: number) => {
      const got = (await gqlHost(id, 'policies { policy { name } response }')).policies as { policy: { name: string }; response: string }[];
      return Object.fromEntries(got.filter((p) => ['passes', 'fails', 'unknown'].includes(p.policy.name)).map((p) => [p.policy.name, p.response]));
    };

    it('should record pass for rows, fail for no rows and unknown for a failed query, then stop asking until the interval passes', async () => {
      const { key, uuid } = await newHost({ platform: 'ubuntu' });
      const id = (await hostByUuid(uuid)).id;
      expect(await responses(id)).toEqual({ passes: 'UNKNOWN', fails: 'UNKNOWN', unknown: 'UNKNOWN' });
      const [pass, fail, unknown] = ids.map(policyQuery) as [string, string, string];
      expect(Object.keys((await distributedRead(t.url, key)).body.queries)).toEqual(expect.arrayContaining([pass, fail, unknown]));
      const w = await distributedWrite(t.url, key, {
        queries: { [pass]: [{ 1: '1' }], [fail]: [], [unknown]: [{ 1: '1' }] },
        statuses: { [pass]: 0, [fail]: '0', [unknown]: 1 },
        messages: { [unknown]: 'no such table: x' },
      });
      expect(w).toEqual({ status: 200, body: {} });
      expect(await responses(id)).toEqual({ passes: 'PASS', fails: 'FAIL', unknown: 'UNKNOWN' });
      expect((await hostByUuid(uuid)).policy_updated_at).toBe(stamp());
      const next = Object.keys((await distributedRead(t.url, key)).body.queries);
      expect(next.filter((k) => k.startsWith('fleet_policy_query_'))).toEqual([]);
    });

    it('should flip a result from pass to fail and take "" as no rows', async () => {
      const { key, uuid } = await newHost({ platform: 'ubuntu' });
      const id = (await hostByUuid(uuid)).id;
      const pass = policyQuery(ids[0]!);
      await checkIn(t.url, key, { [pass]: [{ 1: '1' }] });
      expect((await responses(id)).passes).toBe('PASS');
      await checkIn(t.url, key, { [pass]: '' });
      expect((await responses(id)).passes).toBe('FAIL');
    });
  });
});

describe('POST /api/osquery/log', () => {
  let key: string;
  let hostId: number;
  const logFile = (name: string) => join(t.dir, 'osquery-logs', name);
  const lines = (name: string) => {
    try {
      return readFileSync(logFile(name), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
    } catch {
      return [];
    }
  };

  beforeAll(async () => {
    const h = await newHost({ hostname: 'logger.local' });
    key = h.key;
    hostId = (await hostByUuid(h.uuid)).id;
  });

  it('should append status records as JSON lines tagged with the host', async () => {
    const records = [
      { severity: '0', filename: 'x.cpp', line: '1', message: 'first', version: '5.10.2' },
      { severity: '1', filename: 'y.cpp', line: '2', message: 'second', version: '5.10.2' },
    ];
    expect(await sendLog(t.url, key, 'status', records)).toEqual({ status: 200, body: {} });
    await vi.waitFor(() =>
      expect(lines('osqueryd.status.log')).toEqual(expect.arrayContaining(records.map((r) => ({ ...r, fleetgraph_host_id: hostId })))),
    );
  });

  it('should append result records to the results file, wrapping values that are not objects', async () => {
    const record = { name: 'pack/via-label/uptime', hostIdentifier: 'x', columns: { total_seconds: '10' }, action: 'added' };
    expect(await sendLog(t.url, key, 'result', [record, 'plain'])).toEqual({ status: 200, body: {} });
    await vi.waitFor(() => {
      const got = lines('osqueryd.results.log');
      expect(got).toContainEqual({ ...record, fleetgraph_host_id: hostId });
      expect(got).toContainEqual({ data: 'plain', fleetgraph_host_id: hostId });
    });
    expect(lines('osqueryd.status.log')).not.toContainEqual(expect.objectContaining({ action: 'added' }));
  });

  it('should answer {} for an empty or missing data array', async () => {
    expect(await sendLog(t.url, key, 'status', [])).toEqual({ status: 200, body: {} });
    expect(await osquery(t.url, '/api/osquery/log', { node_key: key, log_type: 'result' })).toEqual({ status: 200, body: {} });
  });

  it('should refuse an unknown log type with 400 in osquery error shape', async () => {
    expect(await sendLog(t.url, key, 'snapshot', [{}])).toEqual({ status: 400, body: { error: 'unknown log type "snapshot"' } });
    expect(await osquery(t.url, '/api/osquery/log', { node_key: key, data: [] })).toEqual({ status: 400, body: { error: 'unknown log type ""' } });
  });
});

describe('agent authentication and request decoding', () => {
  const PATHS = ['/config', '/distributed/read', '/distributed/write', '/log'].flatMap((p) => [`/api/osquery${p}`, `/api/v1/osquery${p}`]);

  it.each(PATHS)('should refuse %s without a node key with 401 node_invalid', async (path) => {
    expect(await osquery(t.url, path, {})).toEqual({ status: 401, body: MISSING_KEY });
    expect(await osquery(t.url, path, { node_key: '' })).toEqual({ status: 401, body: MISSING_KEY });
    expect(await osquery(t.url, path, { node_key: null })).toEqual({ status: 401, body: MISSING_KEY });
  });

  it.each(PATHS)('should refuse %s with an unknown node key with 401 node_invalid', async (path) => {
    expect(await osquery(t.url, path, { node_key: 'bad', log_type: 'status', data: [] })).toEqual({ status: 401, body: INVALID_KEY });
  });

  it.each([...PATHS, '/api/osquery/enroll'])('should answer 400 in osquery error shape for malformed JSON on %s', async (path) => {
    expect(await osquery(t.url, path, undefined, { raw: '{"node_key":' })).toEqual({ status: 400, body: { error: 'json decoder error' } });
    expect(await osquery(t.url, path, undefined, { raw: '' })).toEqual({ status: 400, body: { error: 'Expected JSON Body' } });
    expect(await osquery(t.url, path, { node_key: 42, enroll_secret: 42 })).toEqual({ status: 400, body: { error: 'json decoder error' } });
    for (const key of [true, {}, []]) {
      expect(await osquery(t.url, path, { node_key: key, enroll_secret: key })).toEqual({ status: 400, body: { error: 'json decoder error' } });
    }
  });

  it.each([...PATHS, '/api/osquery/enroll'])('should answer 400 in osquery error shape for a JSON body that is not an object on %s', async (path) => {
    for (const raw of ['[]', '[{"node_key":"k"}]', '"k"', '7', 'true']) {
      expect(await osquery(t.url, path, undefined, { raw })).toEqual({ status: 400, body: { error: 'json decoder error' } });
    }
  });

  it.each(PATHS)('should take a JSON null body on %s as an empty request, as Go decodes it', async (path) => {
    expect(await osquery(t.url, path, undefined, { raw: 'null' })).toEqual({ status: 401, body: MISSING_KEY });
  });

  it('should take a JSON null body on enroll as an empty request, as Go decodes it', async () => {
    expect(await osquery(t.url, '/api/osquery/enroll', undefined, { raw: 'null' })).toEqual({ status: 401, body: NO_SECRET });
  });

  it('should answer 400 for a write whose rows are not a list of objects', async () => {
    const { key } = await newHost();
    const w = await distributedWrite(t.url, key, { queries: { [detail('users')]: 'nope' as '' } });
    expect(w).toEqual({ status: 400, body: { error: 'json decoder error' } });
  });

  it('should answer 413 in osquery error shape for a body over 16 MiB', async () => {
    const { key } = await newHost();
    const raw = JSON.stringify({ node_key: key, log_type: 'status', data: ['x'.repeat(16 * 1024 * 1024)] });
    const r = await osquery(t.url, '/api/osquery/log', undefined, { raw });
    expect(r).toEqual({ status: 413, body: { error: 'request body is larger than 16777216 bytes' } });
  });

  it('should answer 413 and close the connection when a chunked body grows past 16 MiB', async () => {
    const { key } = await newHost();
    const { hostname, port } = new URL(t.url);
    const answer = await new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
      const req = http.request({ hostname, port, path: '/api/osquery/log', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
      });
      // The server may close while the client is still sending: that is the point.
      req.on('error', (err) => (err.message.includes('EPIPE') || err.message.includes('ECONNRESET') ? undefined : reject(err)));
      req.write(`{"node_key":${JSON.stringify(key)},"log_type":"status","data":["`);
      const mib = 'x'.repeat(1024 * 1024);
      let sent = 0;
      const more = (): void => {
        // 16 MiB of padding plus the JSON around it: over the limit only in its last bytes, so the
        // whole body is on its way before the server answers and closes (no reset to race).
        while (sent < 16) {
          sent++;
          if (!req.write(mib)) return void req.once('drain', more);
        }
        req.end('"]}');
      };
      more();
    });
    expect(answer).toEqual({ status: 413, connection: 'close', body: JSON.stringify({ error: 'request body is larger than 16777216 bytes' }) });
  });
});

describe('check-in times and host status', () => {
  it('should keep a host online until min(distributed_interval, config_tls_refresh) + 60 s after its last check-in', async () => {
    const { key, uuid } = await newHost({ hostname: 'heartbeat.local' });
    await checkIn(t.url, key, { [detail('osquery_flags')]: flagRows(10, 30) });
    const id = (await hostByUuid(uuid)).id;
    const status = async () => {
      const c = await countTargets({ hosts: [id] });
      return c.targets_online === 1 ? 'online' : c.targets_offline === 1 ? 'offline' : JSON.stringify(c);
    };
    expect(await status()).toBe('online');
    clock.advance(69);
    expect(await status()).toBe('online');
    expect((await hostByUuid(uuid)).status).toBe('online');
    clock.advance(1);
    expect(await status()).toBe('offline');
    expect((await hostByUuid(uuid)).status).toBe('offline');

    expect((await distributedRead(t.url, key)).status).toBe(200);
    expect(await status()).toBe('online');
    expect((await hostByUuid(uuid)).seen_time).toBe(clock.now().toISOString().replace('.000Z', 'Z'));
  });

  it('should use a 60 s window for a host that has not reported its intervals', async () => {
    const { key, uuid } = await newHost({ hostname: 'no-intervals.local' });
    expect((await distributedRead(t.url, key)).status).toBe(200);
    clock.advance(59);
    expect((await hostByUuid(uuid)).status).toBe('online');
    clock.advance(1);
    expect((await hostByUuid(uuid)).status).toBe('offline');
  });

  it('should not count a refused check-in as seen', async () => {
    const { key, uuid } = await newHost({ hostname: 'refused.local' });
    clock.advance(120);
    expect((await hostByUuid(uuid)).status).toBe('offline');
    expect((await osquery(t.url, '/api/osquery/config', { node_key: `${key}x` })).status).toBe(401);
    expect((await hostByUuid(uuid)).status).toBe('offline');
  });
});

describe('GET /metrics', () => {
  const checkins = async (endpoint: string): Promise<number> => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const m = new RegExp(`^fleetgraph_agent_checkins_total\\{endpoint="${endpoint.replace('/', '\\/')}"\\} (\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };

  it('should count successful agent requests by endpoint and not refused ones', async () => {
    const { key } = await newHost();
    const [config, read] = [await checkins('config'), await checkins('distributed/read')];
    await agentConfig(t.url, key);
    await osquery(t.url, '/api/v1/osquery/config', { node_key: key });
    await agentConfig(t.url, 'bad');
    await distributedRead(t.url, key);
    expect(await checkins('config')).toBe(config + 2);
    expect(await checkins('distributed/read')).toBe(read + 1);
  });
});
