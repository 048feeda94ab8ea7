/**
 * Fleet Desktop's device-authenticated routes, black-box: hosts, their data and their device
 * tokens all arrive through the osquery agent API, as orbit's orbit_info detail query sends them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkIn, detail, distributedRead, distributedWrite, enroll, hostDetails, labelQuery, policyQuery, testClock, type Rows } from '../helpers/agents.js';
import { errorOf, restClient, type Reply } from '../helpers/clients.js';
import { startApp, type TestApp } from '../helpers/harness.js';

const SECRET = 'device-secret';
const BASES = ['/api/v1/fleet', '/api/2022-04/fleet', '/api/latest/fleet'];
const AUTH_REQUIRED = { status: 401, message: 'Authentication required', errors: [{ name: 'base', reason: 'Authentication required' }] };
const PREMIUM_REQUIRED = {
  status: 402,
  message: 'Requires Fleet Premium license',
  errors: [{ name: 'base', reason: 'Requires Fleet Premium license' }],
};

/** Every device route, as [method, path suffix after the token]. */
const ROUTES: [string, string][] = [
  ['GET', ''],
  ['POST', '/refetch'],
  ['GET', '/device_mapping'],
  ['GET', '/macadmins'],
  ['GET', '/policies'],
  ['GET', '/api_features'],
  ['GET', '/transparency'],
];

const POLICIES = [
  { name: 'Disk encryption', query: 'SELECT 1 FROM disk_encryption;', platform: 'darwin', description: 'FileVault on', resolution: 'Turn it on' },
  { name: 'Firewall', query: 'SELECT 1 FROM alf;', platform: '', description: 'Firewall on', resolution: 'Enable it' },
  { name: 'Unanswered', query: 'SELECT 1 FROM nothing;', platform: 'darwin,linux', description: '', resolution: '' },
  { name: 'Windows only', query: 'SELECT 1 FROM bitlocker_info;', platform: 'windows', description: '', resolution: '' },
];

/** What a fully equipped Mac reports, keyed by detail query name. */
const MAC_DETAILS: Record<string, Rows> = {
  osquery_info: [{ version: '5.12.1' }],
  system_info: [
    {
      hostname: 'mac-1.local',
      uuid: 'UUID-MAC-1',
      computer_name: 'Mac One',
      hardware_serial: 'C02MAC1',
      hardware_vendor: 'Apple Inc.',
      hardware_model: 'MacBookPro18,3',
      cpu_brand: 'Apple M1 Pro',
      cpu_type: 'arm64e',
      cpu_physical_cores: '8',
      cpu_logical_cores: '8',
      physical_memory: '17179869184',
    },
  ],
  os_version: [{ name: 'macOS', platform: 'darwin', platform_like: 'darwin', major: '14', minor: '4', patch: '1', build: '23E224', codename: '' }],
  osquery_flags: [
    { name: 'distributed_interval', value: '10' },
    { name: 'config_tls_refresh', value: '10' },
  ],
  users: [
    { uid: '501', username: 'alice', type: '', groupname: 'staff', shell: '/bin/zsh' },
    { uid: '0', username: 'root', type: '', groupname: 'wheel', shell: '/bin/sh' },
  ],
  software_macos: [
    // No last_opened_at: a stored one comes back as a string and hostDetailJson fails on it (reported).
    { name: 'Safari.app', version: '17.4', source: 'apps', bundle_identifier: 'com.apple.Safari', last_opened_at: '0' },
    { name: 'Slack.app', version: '4.36', source: 'apps', bundle_identifier: 'com.tinyspeck.slackmacgap', last_opened_at: '0' },
  ],
  battery: [{ serial_number: 'BAT1', cycle_count: '123', health: 'Good' }],
  munki_info: [{ version: '6.4.0.4788' }],
  mdm: [{ enrolled: 'true', server_url: 'https://acme.jamfcloud.com/mdm', installed_from_dep: 'false' }],
  google_chrome_profiles: [{ email: 'alice@example.com' }, { email: 'alice.work@example.com' }],
};

/** A Linux host that reports no browser profiles, Munki or MDM. */
const linuxDetails = (hostname: string): Record<string, Rows> => ({
  system_info: [{ hostname, uuid: `UUID-${hostname}`, computer_name: hostname }],
  os_version: [{ name: 'Ubuntu', platform: 'ubuntu', platform_like: 'debian', major: '22', minor: '04', patch: '4' }],
  google_chrome_profiles: [],
});

type Device = { nodeKey: string; token: string; hostId: number };

/** Sets the global enroll secret and applies POLICIES; answers the policy ids by name. */
async function prepare(t: TestApp): Promise<Map<string, number>> {
  const rest = restClient(t.url);
  const secret = await rest('POST', '/api/v1/fleet/spec/enroll_secret', { token: t.adminToken, body: { spec: { secrets: [{ secret: SECRET }] } } });
  expect(secret.status).toBe(200);
  const applied = await rest('POST', '/api/v1/fleet/spec/policies', { token: t.adminToken, body: { specs: POLICIES } });
  expect(applied.status).toBe(200);
  // The agent API is the black-box way to learn policy ids: a fresh Mac is asked every policy for its platform.
  const probe = await enroll(t.url, SECRET, 'probe', hostDetails({ hostname: 'probe', platform: 'darwin' }));
  const { queries } = (await distributedRead(t.url, probe)).body;
  const ids = new Map<string, number>();
  for (const p of POLICIES) {
    const name = Object.keys(queries).find((k) => k.startsWith('fleet_policy_query_') && queries[k] === p.query);
    if (name) ids.set(p.name, Number(name.slice('fleet_policy_query_'.length)));
  }
  return ids;
}

/**
 * Enrolls a host and answers its first distributed/read: the given details plus orbit_info with
 * the device token, every label query (a member of those in `memberOf`), and every policy query
 * (pass or fail as `policies` says; the others fail to run, so they stay unanswered).
 */
async function enrollDevice(
  t: TestApp,
  identifier: string,
  details: Record<string, Rows>,
  opts: { memberOf?: string[]; policies?: Map<number, boolean> } = {},
): Promise<Device> {
  // osquery sends these tables' first rows as host_details when it enrolls.
  const enrollDetails = Object.fromEntries(
    ['os_version', 'osquery_info', 'system_info'].flatMap((n) => (details[n]?.[0] ? [[n, details[n][0]]] : [])),
  );
  const nodeKey = await enroll(t.url, SECRET, identifier, enrollDetails);
  const { queries: asked } = (await distributedRead(t.url, nodeKey)).body;
  const token = `device-token-${identifier}`;
  const labels = await restClient(t.url)('GET', '/api/v1/fleet/spec/labels', { token: t.adminToken });
  const member = new Set((labels.body.specs as { id: number; name: string }[]).filter((l) => opts.memberOf?.includes(l.name)).map((l) => l.id));
  const queries: Record<string, Rows> = {};
  const statuses: Record<string, number> = {};
  for (const [name, rows] of Object.entries(details)) queries[detail(name)] = rows;
  queries[detail('orbit_info')] = [{ version: '1.0', device_auth_token: token }];
  for (const name of Object.keys(asked)) {
    const id = Number(name.slice(name.lastIndexOf('_') + 1));
    if (name === labelQuery(id)) queries[name] = member.has(id) ? [{ '1': '1' }] : [];
    if (name === policyQuery(id)) {
      const passes = opts.policies?.get(id);
      queries[name] = passes ? [{ '1': '1' }] : [];
      if (passes === undefined) statuses[name] = 1;
    }
  }
  for (const name of Object.keys(queries)) statuses[name] ??= 0;
  expect((await distributedWrite(t.url, nodeKey, { queries, statuses })).status).toBe(200);
  const me = await restClient(t.url)('GET', `/api/v1/fleet/device/${token}`);
  expect(me.status).toBe(200);
  return { nodeKey, token, hostId: me.body.host.id as number };
}

const status = (r: Reply) => ({ status: r.status, body: r.body });

let t: TestApp;
let rest: ReturnType<typeof restClient>;
let policyIds: Map<string, number>;
let mac: Device;
let linux: Device;

beforeAll(async () => {
  t = await startApp();
  rest = restClient(t.url);
  policyIds = await prepare(t);
  const r = await rest('PATCH', '/api/v1/fleet/config', { token: t.adminToken, body: { org_info: { org_logo_url: 'https://acme.example.com/logo.png' } } });
  expect(r.status).toBe(200);
  mac = await enrollDevice(t, 'mac-1', MAC_DETAILS, {
    memberOf: ['All Hosts', 'macOS'],
    policies: new Map([
      [policyIds.get('Disk encryption')!, true],
      [policyIds.get('Firewall')!, false],
    ]),
  });
  linux = await enrollDevice(t, 'linux-1', linuxDetails('linux-1.local'), { memberOf: ['All Hosts'] });
});

describe('device token authentication', () => {
  it('should answer 401 "Authentication required" for an unknown token on every route and API version', async () => {
    for (const base of BASES) {
      for (const [method, suffix] of ROUTES) {
        const r = await rest(method, `${base}/device/not-a-token${suffix}`);
        expect({ route: `${method} ${base}${suffix}`, ...errorOf(r) }).toEqual({ route: `${method} ${base}${suffix}`, ...AUTH_REQUIRED });
      }
    }
  });

  it('should not accept a user session token as a device token', async () => {
    expect(errorOf(await rest('GET', `/api/v1/fleet/device/${t.adminToken}`))).toEqual(AUTH_REQUIRED);
  });

  it('should ignore an Authorization header: only the path token counts', async () => {
    expect(errorOf(await rest('GET', '/api/v1/fleet/device/not-a-token', { token: t.adminToken }))).toEqual(AUTH_REQUIRED);
    expect((await rest('GET', `/api/v1/fleet/device/${mac.token}`, { token: 'bogus' })).status).toBe(200);
  });

  it('should replace a token when the host reports a new one', async () => {
    const host = await enrollDevice(t, 'rotating', linuxDetails('rotating.local'));
    await checkIn(t.url, host.nodeKey, { [detail('orbit_info')]: [{ version: '1.0', device_auth_token: 'rotated-token' }] });
    expect(errorOf(await rest('GET', `/api/v1/fleet/device/${host.token}`))).toEqual(AUTH_REQUIRED);
    const r = await rest('GET', '/api/v1/fleet/device/rotated-token');
    expect({ status: r.status, id: r.body.host.id }).toEqual({ status: 200, id: host.hostId });
  });

  it('should keep a token when orbit_info comes without one', async () => {
    const host = await enrollDevice(t, 'tokenless-report', linuxDetails('tokenless.local'));
    await checkIn(t.url, host.nodeKey, { [detail('orbit_info')]: [{ version: '1.1', device_auth_token: '' }] });
    expect((await rest('GET', `/api/v1/fleet/device/${host.token}`)).status).toBe(200);
  });

  it('should give a token two hosts report to the newest reporter, answering both writes 200', async () => {
    const first = await enrollDevice(t, 'clone-a', linuxDetails('clone-a.local'));
    const second = await enrollDevice(t, 'clone-b', linuxDetails('clone-b.local'));
    const report = async (host: Device) => {
      const r = await distributedWrite(t.url, host.nodeKey, {
        queries: { [detail('orbit_info')]: [{ version: '1.0', device_auth_token: 'cloned-token' }] },
        statuses: { [detail('orbit_info')]: 0 },
      });
      return { status: r.status, body: r.body };
    };
    const owner = async () => {
      const r = await rest('GET', '/api/v1/fleet/device/cloned-token');
      return { status: r.status, id: r.body.host.id };
    };
    expect(await report(first)).toEqual({ status: 200, body: {} });
    expect(await report(second)).toEqual({ status: 200, body: {} });
    expect(await owner()).toEqual({ status: 200, id: second.hostId });
    expect(errorOf(await rest('GET', `/api/v1/fleet/device/${first.token}`))).toEqual(AUTH_REQUIRED);
    expect(await report(first)).toEqual({ status: 200, body: {} });
    expect(await owner()).toEqual({ status: 200, id: first.hostId });
  });

  it('should answer HEAD /api/fleet/device/ping with 200 and no body, without any token', async () => {
    const res = await fetch(`${t.url}/api/fleet/device/ping`, { method: 'HEAD' });
    expect({ status: res.status, body: await res.text() }).toEqual({ status: 200, body: '' });
  });
});

describe('GET /device/:token', () => {
  it("should answer the device's host detail, the org logo and the license under every API version", async () => {
    for (const base of BASES) {
      const r = await rest('GET', `${base}/device/${mac.token}`);
      expect(r.status).toBe(200);
      expect(Object.keys(r.body).sort()).toEqual(['host', 'license', 'org_logo_url']);
      expect(r.body.org_logo_url).toBe('https://acme.example.com/logo.png');
      expect(r.body.license).toEqual({ tier: 'premium' });
      expect(r.body.host).toMatchObject({
        id: mac.hostId,
        hostname: 'mac-1.local',
        uuid: 'UUID-MAC-1',
        computer_name: 'Mac One',
        display_name: 'Mac One',
        display_text: 'mac-1.local',
        platform: 'darwin',
        os_version: 'macOS 14.4.1',
        build: '23E224',
        osquery_version: '5.12.1',
        hardware_serial: 'C02MAC1',
        hardware_model: 'MacBookPro18,3',
        cpu_brand: 'Apple M1 Pro',
        cpu_physical_cores: 8,
        memory: 17179869184,
        distributed_interval: 10,
        config_tls_refresh: 10,
        team_id: null,
        team_name: null,
        refetch_requested: false,
        status: 'online',
        packs: [],
      });
    }
  });

  it('should include software, users and batteries as the agent reported them', async () => {
    const { host } = (await rest('GET', `/api/v1/fleet/device/${mac.token}`)).body;
    expect(host.software).toEqual([
      { id: 1, name: 'Safari.app', version: '17.4', source: 'apps', bundle_identifier: 'com.apple.Safari', generated_cpe: '', vulnerabilities: null },
      { id: 2, name: 'Slack.app', version: '4.36', source: 'apps', bundle_identifier: 'com.tinyspeck.slackmacgap', generated_cpe: '', vulnerabilities: null },
    ]);
    expect(host.users).toEqual([
      { uid: 501, username: 'alice', type: '', groupname: 'staff', shell: '/bin/zsh' },
      { uid: 0, username: 'root', type: '', groupname: 'wheel', shell: '/bin/sh' },
    ]);
    expect(host.batteries).toEqual([{ cycle_count: 123, health: 'Good' }]);
  });

  it('should include the labels the host is a member of', async () => {
    const { host } = (await rest('GET', `/api/v1/fleet/device/${mac.token}`)).body;
    expect((host.labels as { name: string; label_type: string }[]).map((l) => [l.name, l.label_type])).toEqual([
      ['All Hosts', 'builtin'],
      ['macOS', 'builtin'],
    ]);
  });

  it("should include the policies for the host's platform with its answers", async () => {
    const { host } = (await rest('GET', `/api/v1/fleet/device/${mac.token}`)).body;
    expect((host.policies as { name: string; response: string }[]).map((p) => [p.name, p.response])).toEqual([
      ['Disk encryption', 'pass'],
      ['Firewall', 'fail'],
      ['Unanswered', ''],
    ]);
  });

  it("should show each token its own host and nothing of the others'", async () => {
    const r = await rest('GET', `/api/v1/fleet/device/${linux.token}`);
    expect(r.body.host).toMatchObject({ id: linux.hostId, hostname: 'linux-1.local', platform: 'ubuntu', software: [], users: [], batteries: [] });
    expect((r.body.host.labels as { name: string }[]).map((l) => l.name)).toEqual(['All Hosts']);
    expect((r.body.host.policies as { name: string }[]).map((p) => p.name)).toEqual(['Firewall', 'Unanswered']);
  });
});

describe('POST /device/:token/refetch', () => {
  it('should answer {} and make the next distributed/read ask every detail, label and policy query', async () => {
    const host = await enrollDevice(t, 'refetcher', { ...MAC_DETAILS, system_info: [{ hostname: 'refetcher.local' }] });
    expect((await distributedRead(t.url, host.nodeKey)).body).toEqual({ queries: {} });

    expect(status(await rest('POST', `/api/latest/fleet/device/${host.token}/refetch`))).toEqual({ status: 200, body: {} });
    expect((await rest('GET', `/api/v1/fleet/device/${host.token}`)).body.host.refetch_requested).toBe(true);

    const { queries } = (await distributedRead(t.url, host.nodeKey)).body;
    const names = Object.keys(queries);
    const labels = (await rest('GET', '/api/v1/fleet/spec/labels', { token: t.adminToken })).body.specs as { id: number; platform?: string }[];
    expect(names.filter((n) => n.startsWith('fleet_label_query_')).sort()).toEqual(
      labels.filter((l) => (l.platform ?? '') === '' || l.platform === 'darwin').map((l) => labelQuery(l.id)).sort(),
    );
    expect(names.filter((n) => n.startsWith('fleet_policy_query_')).sort()).toEqual(
      ['Disk encryption', 'Firewall', 'Unanswered'].map((n) => policyQuery(policyIds.get(n)!)).sort(),
    );
    expect(names).toEqual(
      expect.arrayContaining(['osquery_info', 'system_info', 'os_version', 'users', 'software_macos', 'battery', 'munki_info', 'mdm', 'google_chrome_profiles', 'orbit_info'].map(detail)),
    );
  });

  it('should be cleared by the next distributed/write', async () => {
    const host = await enrollDevice(t, 'refetch-clear', linuxDetails('refetch-clear.local'));
    await rest('POST', `/api/v1/fleet/device/${host.token}/refetch`);
    await checkIn(t.url, host.nodeKey, { [detail('osquery_info')]: [{ version: '5.12.1' }] });
    expect((await rest('GET', `/api/v1/fleet/device/${host.token}`)).body.host.refetch_requested).toBe(false);
    expect((await distributedRead(t.url, host.nodeKey)).body).toEqual({ queries: {} });
  });
});

describe('GET /device/:token/device_mapping', () => {
  it('should answer the emails of the browser profiles the host reported', async () => {
    expect(status(await rest('GET', `/api/2022-04/fleet/device/${mac.token}/device_mapping`))).toEqual({
      status: 200,
      body: {
        host_id: mac.hostId,
        device_mapping: [
          { email: 'alice@example.com', source: 'google_chrome_profiles' },
          { email: 'alice.work@example.com', source: 'google_chrome_profiles' },
        ],
      },
    });
  });

  it('should answer null when the host reported none', async () => {
    expect(status(await rest('GET', `/api/v1/fleet/device/${linux.token}/device_mapping`))).toEqual({
      status: 200,
      body: { host_id: linux.hostId, device_mapping: null },
    });
  });
});

describe('GET /device/:token/macadmins', () => {
  it('should answer the Munki version and the MDM enrollment the host reported', async () => {
    expect(status(await rest('GET', `/api/v1/fleet/device/${mac.token}/macadmins`))).toEqual({
      status: 200,
      body: {
        macadmins: {
          munki: { version: '6.4.0.4788' },
          mobile_device_management: { enrollment_status: 'On (manual)', server_url: 'https://acme.jamfcloud.com/mdm', name: 'Jamf' },
        },
      },
    });
  });

  it('should answer null for a host with neither Munki nor MDM', async () => {
    expect(status(await rest('GET', `/api/v1/fleet/device/${linux.token}/macadmins`))).toEqual({ status: 200, body: { macadmins: null } });
  });

  it('should answer null for the part the host lacks', async () => {
    const host = await enrollDevice(t, 'munki-only', { ...linuxDetails('munki-only.local'), munki_info: [{ version: '6.3.3.4754' }], mdm: [] });
    expect(status(await rest('GET', `/api/v1/fleet/device/${host.token}/macadmins`))).toEqual({
      status: 200,
      body: { macadmins: { munki: { version: '6.3.3.4754' }, mobile_device_management: null } },
    });
  });
});

describe('GET /device/:token/policies', () => {
  it("should answer the policies for the host's platform with pass, fail or no answer", async () => {
    const ids = (name: string) => policyIds.get(name)!;
    expect(status(await rest('GET', `/api/latest/fleet/device/${mac.token}/policies`))).toEqual({
      status: 200,
      body: {
        policies: [
          { id: ids('Disk encryption'), ...POLICIES[0], response: 'pass' },
          { id: ids('Firewall'), ...POLICIES[1], response: 'fail' },
          { id: ids('Unanswered'), ...POLICIES[2], response: '' },
        ],
      },
    });
  });

  it('should answer no policies but the cross-platform ones to a Linux host that answered none', async () => {
    const r = await rest('GET', `/api/v1/fleet/device/${linux.token}/policies`);
    expect((r.body.policies as { name: string; response: string }[]).map((p) => [p.name, p.response])).toEqual([
      ['Firewall', ''],
      ['Unanswered', ''],
    ]);
  });
});

describe('GET /device/:token/api_features', () => {
  it('should answer an empty feature set', async () => {
    for (const base of BASES) expect(status(await rest('GET', `${base}/device/${mac.token}/api_features`))).toEqual({ status: 200, body: { features: {} } });
  });
});

describe('GET /device/:token/transparency', () => {
  it("should redirect with 307 to Fleet's transparency page by default, with an empty body", async () => {
    const fresh = await startApp();
    await prepare(fresh);
    const host = await enrollDevice(fresh, 'mac', MAC_DETAILS);
    const r = await restClient(fresh.url)('GET', `/api/v1/fleet/device/${host.token}/transparency`);
    expect({ status: r.status, location: r.headers.get('location'), body: r.body }).toEqual({
      status: 307,
      location: 'https://fleetdm.com/transparency',
      body: undefined,
    });
  });

  it('should redirect to the configured fleet_desktop.transparency_url', async () => {
    const set = await rest('PATCH', '/api/v1/fleet/config', {
      token: t.adminToken,
      body: { fleet_desktop: { transparency_url: 'https://acme.example.com/privacy' } },
    });
    expect(set.status).toBe(200);
    for (const base of BASES) {
      const r = await rest('GET', `${base}/device/${mac.token}/transparency`);
      expect({ status: r.status, location: r.headers.get('location'), body: r.body }).toEqual({
        status: 307,
        location: 'https://acme.example.com/privacy',
        body: undefined,
      });
    }
  });
});

describe('the free tier', () => {
  let free: TestApp;
  let freeRest: ReturnType<typeof restClient>;
  let device: Device;

  beforeAll(async () => {
    free = await startApp({ license: 'free' });
    freeRest = restClient(free.url);
    await prepare(free);
    device = await enrollDevice(free, 'mac', MAC_DETAILS);
  });

  it('should answer 402 for the device policies', async () => {
    for (const base of BASES) expect(errorOf(await freeRest('GET', `${base}/device/${device.token}/policies`))).toEqual(PREMIUM_REQUIRED);
  });

  it('should still authenticate first: an unknown token is 401, not 402', async () => {
    expect(errorOf(await freeRest('GET', '/api/v1/fleet/device/not-a-token/policies'))).toEqual(AUTH_REQUIRED);
  });

  it('should answer the host with the free license tier', async () => {
    const r = await freeRest('GET', `/api/v1/fleet/device/${device.token}`);
    expect({ status: r.status, license: r.body.license, id: r.body.host.id }).toEqual({ status: 200, license: { tier: 'free' }, id: device.hostId });
  });

  it("should redirect to Fleet's transparency page", async () => {
    const r = await freeRest('GET', `/api/v1/fleet/device/${device.token}/transparency`);
    expect({ status: r.status, location: r.headers.get('location') }).toEqual({ status: 307, location: 'https://fleetdm.com/transparency' });
  });
});

describe('rate limiting of failed device requests', () => {
  const clock = testClock();
  let limited: TestApp;
  let limitedRest: ReturnType<typeof restClient>;
  let device: Device;

  const TOO_MANY = (seconds: number) => ({
    status: 429,
    message: 'Too Many Requests',
    errors: [{ name: 'base', reason: `too many attempts, retry in ${seconds} seconds` }],
  });
  const retryAfter = (r: Reply) => r.headers.get('retry-after');

  beforeAll(async () => {
    limited = await startApp({ deviceRateLimit: 3 }, { clock: clock.now });
    limitedRest = restClient(limited.url);
    await prepare(limited);
    device = await enrollDevice(limited, 'mac', MAC_DETAILS);
  });

  it('should not count successful requests', async () => {
    for (let i = 0; i < 5; i++) expect((await limitedRest('GET', `/api/v1/fleet/device/${device.token}/api_features`)).status).toBe(200);
  });

  it('should answer 429 with Retry-After once the failures are used up, even for a valid token', async () => {
    const path = (token: string) => `/api/v1/fleet/device/${token}/macadmins`;
    for (let i = 0; i < 3; i++) expect(errorOf(await limitedRest('GET', path('wrong')))).toEqual(AUTH_REQUIRED);
    clock.advance(600);
    const refused = await limitedRest('GET', path('wrong'));
    expect({ ...errorOf(refused), retryAfter: retryAfter(refused) }).toEqual({ ...TOO_MANY(3000), retryAfter: '3000' });
    const valid = await limitedRest('GET', path(device.token));
    expect({ ...errorOf(valid), retryAfter: retryAfter(valid) }).toEqual({ ...TOO_MANY(3000), retryAfter: '3000' });
  });

  it('should limit each route on its own', async () => {
    expect((await limitedRest('GET', `/api/v1/fleet/device/${device.token}`)).status).toBe(200);
    expect(errorOf(await limitedRest('GET', '/api/v1/fleet/device/wrong'))).toEqual(AUTH_REQUIRED);
  });

  it('should count the same route under every API version together', async () => {
    expect(errorOf(await limitedRest('GET', `/api/latest/fleet/device/${device.token}/macadmins`)).status).toBe(429);
  });

  it('should count premium refusals as failures too', async () => {
    const free = await startApp({ license: 'free', deviceRateLimit: 1 });
    await prepare(free);
    const host = await enrollDevice(free, 'mac', MAC_DETAILS);
    const freeRest = restClient(free.url);
    expect(errorOf(await freeRest('GET', `/api/v1/fleet/device/${host.token}/policies`))).toEqual(PREMIUM_REQUIRED);
    expect((await freeRest('GET', `/api/v1/fleet/device/${host.token}/policies`)).status).toBe(429);
  });

  it('should serve the route again once the hour has passed', async () => {
    clock.advance(3000);
    const r = await limitedRest('GET', `/api/v1/fleet/device/${device.token}/macadmins`);
    expect(r.status).toBe(200);
  });
});
