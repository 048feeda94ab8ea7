import { beforeEach, describe, expect, it } from 'vitest';
import { defaultAgentOptions } from '../../resolvers/agent-options.js';
import {
  DEFAULT_TRANSPARENCY_URL,
  emptyConfig,
  getConfig,
  loadConfig,
  modifyConfig,
  transparencyUrl,
} from '../../resolvers/app-config.js';
import { AuthRequiredError, BadRequestError, ForbiddenError, ValidationError } from '../../resolvers/errors.js';
import { anonymousCtx, makeDeps, makeEnv, rejection, type Env } from './helpers.js';

let env: Env;
beforeEach(async () => {
  env = await makeEnv();
});

describe('loadConfig', () => {
  it('answers the defaults before setup', async () => {
    expect(await loadConfig({ deps: makeDeps() })).toEqual(emptyConfig());
  });

  it('answers the config written by setup', async () => {
    const config = await loadConfig(env.admin);
    expect(config.orgInfo).toEqual({ orgName: 'Acme', orgLogoUrl: '' });
    expect(config.serverSettings).toEqual({ serverUrl: 'https://fleet.example.com', liveQueryDisabled: false });
    expect(config.agentOptions).toEqual(defaultAgentOptions());
  });
});

describe('getConfig', () => {
  it('adds the license tier to the stored config', async () => {
    const view = await getConfig(env.admin);
    expect(view.license).toEqual({ tier: 'premium' });
    expect(view.orgInfo.orgName).toBe('Acme');
  });

  it('reports the free tier under a free license', async () => {
    const free = await makeEnv({ license: 'free' });
    expect((await getConfig(free.admin)).license.tier).toBe('free');
  });

  it('is readable by every role, including team members', async () => {
    await expect(getConfig(await env.as('gitops'))).resolves.toBeDefined();
    await expect(getConfig(await env.asTeam('Team A', 'observer'))).resolves.toBeDefined();
  });

  it('requires a viewer', async () => {
    await expect(getConfig(anonymousCtx(env.deps))).rejects.toBeInstanceOf(AuthRequiredError);
  });
});

describe('modifyConfig', () => {
  it('changes only the fields the patch names', async () => {
    const view = await modifyConfig(env.admin, { orgInfo: { orgLogoUrl: 'https://example.com/logo.png' } });
    expect(view.orgInfo).toEqual({ orgName: 'Acme', orgLogoUrl: 'https://example.com/logo.png' });
    expect(view.serverSettings.serverUrl).toBe('https://fleet.example.com');
    const { license: _, ...stored } = view;
    expect(await loadConfig(env.admin)).toEqual(stored);
  });

  it('treats null fields as absent', async () => {
    const view = await modifyConfig(env.admin, { orgInfo: { orgName: null }, serverSettings: null });
    expect(view.orgInfo.orgName).toBe('Acme');
    expect(view.serverSettings.serverUrl).toBe('https://fleet.example.com');
  });

  it('replaces agent options wholesale', async () => {
    const view = await modifyConfig(env.admin, { agentOptions: { config: { options: { distributed_interval: 3 } } } });
    expect(view.agentOptions).toEqual({ config: { options: { distributed_interval: 3 } } });
    expect((await loadConfig(env.admin)).agentOptions).toEqual({ config: { options: { distributed_interval: 3 } } });
  });

  it('refuses invalid agent options with a 400 and keeps the stored ones', async () => {
    await expect(modifyConfig(env.admin, { agentOptions: { bogus: true } })).rejects.toBeInstanceOf(BadRequestError);
    expect((await loadConfig(env.admin)).agentOptions).toEqual(defaultAgentOptions());
  });

  it('refuses an empty organization name', async () => {
    const e = await rejection(modifyConfig(env.admin, { orgInfo: { orgName: '  ' } }), ValidationError);
    expect(e.invalid).toEqual([{ name: 'org_name', reason: 'organization name must be present' }]);
  });

  it('refuses a server URL that is not http(s)', async () => {
    const e = await rejection(modifyConfig(env.admin, { serverSettings: { serverUrl: 'ftp://x' } }), ValidationError);
    expect(e.invalid).toEqual([{ name: 'server_url', reason: 'ftp://x is not a valid URL' }]);
  });

  it('refuses an invalid transparency URL', async () => {
    const e = await rejection(modifyConfig(env.admin, { fleetDesktop: { transparencyUrl: 'not a url' } }), ValidationError);
    expect(e.invalid).toEqual([{ name: 'transparency_url', reason: 'not a url is not a valid URL' }]);
  });

  it('sets the transparency URL under a premium license', async () => {
    const view = await modifyConfig(env.admin, { fleetDesktop: { transparencyUrl: 'https://example.com/t' } });
    expect(view.fleetDesktop.transparencyUrl).toBe('https://example.com/t');
  });

  it('refuses a transparency URL under a free license', async () => {
    const free = await makeEnv({ license: 'free' });
    const e = await rejection(modifyConfig(free.admin, { fleetDesktop: { transparencyUrl: 'https://example.com/t' } }), ValidationError);
    expect(e.invalid).toEqual([{ name: 'transparency_url', reason: 'transparency_url can only be set with Fleet Premium' }]);
  });

  it('writes nothing when the patch is refused', async () => {
    await rejection(modifyConfig(env.admin, { orgInfo: { orgName: 'New' }, serverSettings: { serverUrl: 'nope' } }), ValidationError);
    expect((await loadConfig(env.admin)).orgInfo.orgName).toBe('Acme');
  });

  it.each(['maintainer', 'observer', 'observer_plus', 'gitops'] as const)('is forbidden to a global %s', async (role) => {
    await expect(modifyConfig(await env.as(role), { orgInfo: { orgName: 'X' } })).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe('transparencyUrl', () => {
  it("falls back to Fleet's page when none is configured", () => {
    expect(transparencyUrl(emptyConfig())).toBe(DEFAULT_TRANSPARENCY_URL);
  });

  it('answers the configured URL', () => {
    const config = emptyConfig();
    config.fleetDesktop.transparencyUrl = 'https://example.com/t';
    expect(transparencyUrl(config)).toBe('https://example.com/t');
  });
});
