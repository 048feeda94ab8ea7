import * as appConfig from '../resolvers/app-config.js';
import type { AppConfig, LicenseTier } from '../resolvers/model.js';
import { builder } from './builder.js';

export const LicenseTierEnum = builder.enumType('LicenseTier', { values: ['premium', 'free'] as const });

const OrgInfoRef = builder.objectRef<AppConfig['orgInfo']>('OrgInfo').implement({
  fields: (t) => ({ orgName: t.exposeString('orgName'), orgLogoUrl: t.exposeString('orgLogoUrl') }),
});

const ServerSettingsRef = builder.objectRef<AppConfig['serverSettings']>('ServerSettings').implement({
  fields: (t) => ({ serverUrl: t.exposeString('serverUrl'), liveQueryDisabled: t.exposeBoolean('liveQueryDisabled') }),
});

const FleetDesktopRef = builder.objectRef<AppConfig['fleetDesktop']>('FleetDesktopSettings').implement({
  fields: (t) => ({
    transparencyUrl: t.exposeString('transparencyUrl', { description: 'Empty means Fleet’s default transparency page.' }),
  }),
});

const LicenseRef = builder.objectRef<{ tier: LicenseTier }>('License').implement({
  fields: (t) => ({ tier: t.field({ type: LicenseTierEnum, resolve: (l) => l.tier }) }),
});

export const AppConfigRef = builder.objectRef<AppConfig & { license?: { tier: LicenseTier } }>('AppConfig').implement({
  fields: (t) => ({
    orgInfo: t.field({ type: OrgInfoRef, resolve: (c) => c.orgInfo }),
    serverSettings: t.field({ type: ServerSettingsRef, resolve: (c) => c.serverSettings }),
    agentOptions: t.expose('agentOptions', { type: 'JSONObject' }),
    fleetDesktop: t.field({ type: FleetDesktopRef, resolve: (c) => c.fleetDesktop }),
    license: t.field({
      type: LicenseRef,
      resolve: (c, _, { domain }) => c.license ?? { tier: domain.deps.license },
    }),
  }),
});

const ModifyConfigInput = builder.inputType('ModifyConfigInput', {
  fields: (t) => ({
    orgName: t.string(),
    orgLogoUrl: t.string(),
    serverUrl: t.string(),
    liveQueryDisabled: t.boolean(),
    agentOptions: t.field({ type: 'JSONObject', description: 'Replaces the agent options wholesale.' }),
    transparencyUrl: t.string(),
  }),
});

builder.queryField('config', (t) =>
  t.field({ type: AppConfigRef, resolve: (_, __, { domain }) => appConfig.getConfig(domain) }),
);

builder.mutationField('modifyConfig', (t) =>
  t.field({
    type: AppConfigRef,
    args: { input: t.arg({ type: ModifyConfigInput, required: true }) },
    resolve: (_, { input }, { domain }) =>
      appConfig.modifyConfig(domain, {
        orgInfo: { orgName: input.orgName, orgLogoUrl: input.orgLogoUrl },
        serverSettings: { serverUrl: input.serverUrl, liveQueryDisabled: input.liveQueryDisabled },
        agentOptions: input.agentOptions,
        fleetDesktop: { transparencyUrl: input.transparencyUrl },
      }),
  }),
);
