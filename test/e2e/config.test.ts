import { beforeAll, describe, expect, it } from 'vitest';
import { errorOf, gqlClient, restClient, userToken } from '../helpers/clients.js';
import { startApp, type TestApp } from '../helpers/harness.js';

let t: TestApp;
let rest: ReturnType<typeof restClient>;
let maintainer: string;
let observer: string;
let teamObserver: string;

const PATH = '/api/v1/fleet/config';
const FORBIDDEN = { status: 403, message: 'forbidden', errors: [{ name: 'base', reason: 'forbidden' }] };

/** Fleet's default global agent options (fleet-behavior.md §6.2). */
const DEFAULT_AGENT_OPTIONS = {
  config: {
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
  },
  overrides: {},
};

const INITIAL = {
  org_info: { org_name: 'Acme', org_logo_url: '' },
  server_settings: { server_url: 'https://fleet.example.com', live_query_disabled: false },
  agent_options: DEFAULT_AGENT_OPTIONS,
  fleet_desktop: { transparency_url: '' },
  license: { tier: 'premium' },
};

const getConfig = async (token = t.adminToken) => (await rest('GET', PATH, { token })).body;
const patch = (body: unknown, token = t.adminToken) => rest('PATCH', PATH, { token, body });

beforeAll(async () => {
  t = await startApp();
  rest = restClient(t.url);
  maintainer = await userToken(t, 'maint@example.com', { global_role: 'maintainer' });
  observer = await userToken(t, 'obs@example.com', { global_role: 'observer' });
  await rest('POST', '/api/v1/fleet/spec/teams', { token: t.adminToken, body: { specs: [{ name: 'T1' }] } });
  const teams = await gqlClient(t.url)('{ teams { id } }', {}, t.adminToken);
  const t1 = Number((teams.data.teams as { id: string }[])[0]!.id);
  teamObserver = await userToken(t, 't1-obs@example.com', { teams: [{ id: t1, role: 'observer' }] });
});

describe('GET /config', () => {
  it('should answer the setup values, the default agent options and the license tier', async () => {
    const r = await rest('GET', PATH, { token: t.adminToken });
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: INITIAL });
  });

  it('should answer the same under every API version', async () => {
    for (const v of ['v1', '2022-04', 'latest']) {
      const r = await rest('GET', `/api/${v}/fleet/config`, { token: t.adminToken });
      expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: INITIAL });
    }
  });

  it.each([
    ['global maintainer', () => maintainer],
    ['global observer', () => observer],
    ['team observer', () => teamObserver],
  ])('should let a %s read the configuration', async (_role, token) => {
    const r = await rest('GET', PATH, { token: token() });
    expect(r.status).toBe(200);
    expect(r.body.license).toEqual({ tier: 'premium' });
  });

  it('should answer 401 without a token', async () => {
    expect(errorOf(await rest('GET', PATH))).toEqual({
      status: 401,
      message: 'Authorization header required',
      errors: [{ name: 'base', reason: 'Authorization header required' }],
    });
  });
});

describe('PATCH /config', () => {
  it('should merge the given fields into the configuration and answer the whole of it', async () => {
    const r = await patch({ org_info: { org_logo_url: 'https://acme.example/logo.png' } });
    const expected = { ...INITIAL, org_info: { org_name: 'Acme', org_logo_url: 'https://acme.example/logo.png' } };
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: expected });
    expect(await getConfig()).toEqual(expected);

    await patch({ server_settings: { live_query_disabled: true }, org_info: { org_name: 'Acme 2' } });
    expect(await getConfig()).toEqual({
      ...expected,
      org_info: { org_name: 'Acme 2', org_logo_url: 'https://acme.example/logo.png' },
      server_settings: { server_url: 'https://fleet.example.com', live_query_disabled: true },
    });
    await patch({ server_settings: { live_query_disabled: false }, org_info: { org_name: 'Acme', org_logo_url: '' } });
    expect(await getConfig()).toEqual(INITIAL);
  });

  it('should change nothing for an empty object or null sections', async () => {
    expect((await patch({})).body).toEqual(INITIAL);
    expect((await patch({ org_info: null, server_settings: null, agent_options: null, fleet_desktop: null })).body).toEqual(INITIAL);
    expect(await getConfig()).toEqual(INITIAL);
  });

  it('should replace the agent options wholesale', async () => {
    const options = { config: { options: { distributed_interval: 30 } } };
    const r = await patch({ agent_options: options });
    expect(r.status).toBe(200);
    expect(r.body.agent_options).toEqual(options);
    expect((await getConfig()).agent_options).toEqual(options);
    await patch({ agent_options: DEFAULT_AGENT_OPTIONS });
    expect(await getConfig()).toEqual(INITIAL);
  });

  it.each([
    [{ bogus: 1 }, 'unsupported key provided: "bogus"'],
    [{ config: { options: { distributed_interval: 30 }, nope: {} } }, 'unsupported key provided: "nope" in config'],
    [{ overrides: [] }, 'overrides must be an object'],
  ])('should refuse the agent options %j with 400 and write nothing', async (options, reason) => {
    const r = await patch({ agent_options: options, org_info: { org_name: 'Not Written' } });
    expect(errorOf(r)).toEqual({ status: 400, message: 'Bad request', errors: [{ name: 'base', reason }] });
    expect(await getConfig()).toEqual(INITIAL);
  });

  it.each(['not a url', 'ftp://fleet.example.com', '/relative'])('should refuse the server_url %j with 422 and write nothing', async (url) => {
    const r = await patch({ server_settings: { server_url: url }, org_info: { org_name: 'Not Written' } });
    expect(errorOf(r)).toEqual({ status: 422, message: 'Validation Failed', errors: [{ name: 'server_url', reason: `${url} is not a valid URL` }] });
    expect(await getConfig()).toEqual(INITIAL);
  });

  it('should refuse an empty organization name with 422 and write nothing', async () => {
    const r = await patch({ org_info: { org_name: '  ', org_logo_url: 'https://not.written/logo.png' } });
    expect(errorOf(r)).toEqual({
      status: 422,
      message: 'Validation Failed',
      errors: [{ name: 'org_name', reason: 'organization name must be present' }],
    });
    expect(await getConfig()).toEqual(INITIAL);
  });

  it('should set, then clear, the Fleet Desktop transparency URL', async () => {
    const r = await patch({ fleet_desktop: { transparency_url: 'https://acme.example/transparency' } });
    expect(r.body.fleet_desktop).toEqual({ transparency_url: 'https://acme.example/transparency' });
    expect((await getConfig()).fleet_desktop).toEqual({ transparency_url: 'https://acme.example/transparency' });
    await patch({ fleet_desktop: { transparency_url: '' } });
    expect(await getConfig()).toEqual(INITIAL);
  });

  it('should refuse an invalid transparency URL with 422 and write nothing', async () => {
    expect(errorOf(await patch({ fleet_desktop: { transparency_url: 'nope' } }))).toEqual({
      status: 422,
      message: 'Validation Failed',
      errors: [{ name: 'transparency_url', reason: 'nope is not a valid URL' }],
    });
    expect(await getConfig()).toEqual(INITIAL);
  });

  it('should ignore an attempt to change the license', async () => {
    const r = await patch({ license: { tier: 'free' } });
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: INITIAL });
    expect((await getConfig()).license).toEqual({ tier: 'premium' });
  });

  it('should answer 400 "json decoder error" for wrong types and write nothing', async () => {
    for (const raw of ['{bad', '{"org_info":{"org_name":5}}', '{"server_settings":{"live_query_disabled":"yes"}}', '{"agent_options":"x"}']) {
      expect(errorOf(await rest('PATCH', PATH, { token: t.adminToken, raw }))).toEqual({
        status: 400,
        message: 'Bad request',
        errors: [{ name: 'base', reason: 'json decoder error' }],
      });
    }
    expect(await getConfig()).toEqual(INITIAL);
  });

  it.each([
    ['global maintainer', () => maintainer],
    ['global observer', () => observer],
    ['team observer', () => teamObserver],
  ])('should refuse a %s with 403 and write nothing', async (_role, token) => {
    expect(errorOf(await patch({ org_info: { org_name: 'Hijacked' } }, token()))).toEqual(FORBIDDEN);
    expect(await getConfig()).toEqual(INITIAL);
  });
});

describe('/config under the free license', () => {
  it('should report the free tier and refuse a transparency URL with 422', async () => {
    const free = await startApp({ license: 'free' });
    const freeRest = restClient(free.url);
    const before = await freeRest('GET', PATH, { token: free.adminToken });
    expect(before.body).toEqual({ ...INITIAL, license: { tier: 'free' } });

    const r = await freeRest('PATCH', PATH, {
      token: free.adminToken,
      body: { fleet_desktop: { transparency_url: 'https://acme.example/transparency' }, org_info: { org_name: 'Not Written' } },
    });
    expect(errorOf(r)).toEqual({
      status: 422,
      message: 'Validation Failed',
      errors: [{ name: 'transparency_url', reason: 'transparency_url can only be set with Fleet Premium' }],
    });
    expect((await freeRest('GET', PATH, { token: free.adminToken })).body).toEqual(before.body);

    const ok = await freeRest('PATCH', PATH, { token: free.adminToken, body: { org_info: { org_name: 'Free Org' } } });
    expect(ok.status).toBe(200);
    expect(ok.body.org_info.org_name).toBe('Free Org');
  });
});
