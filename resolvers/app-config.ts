import { authorize } from './authz.js';
import type { Ctx } from './context.js';
import { defaultAgentOptions, validateAgentOptions } from './agent-options.js';
import { ValidationError } from './errors.js';
import type { AppConfig, JsonObject, LicenseTier } from './model.js';

export const DEFAULT_TRANSPARENCY_URL = 'https://fleetdm.com/transparency';

export type AppConfigView = AppConfig & { license: { tier: LicenseTier } };

/** A PATCH: every field optional; agent options are replaced wholesale, as Fleet does. */
export type ModifyConfigInput = {
  orgInfo?: { orgName?: string | null; orgLogoUrl?: string | null } | null;
  serverSettings?: { serverUrl?: string | null; liveQueryDisabled?: boolean | null } | null;
  agentOptions?: JsonObject | null;
  fleetDesktop?: { transparencyUrl?: string | null } | null;
};

export const emptyConfig = (): AppConfig => ({
  orgInfo: { orgName: '', orgLogoUrl: '' },
  serverSettings: { serverUrl: '', liveQueryDisabled: false },
  agentOptions: defaultAgentOptions(),
  fleetDesktop: { transparencyUrl: '' },
});

/** The stored config, or the defaults before setup. Not authorized: for the domain's own use. */
export async function loadConfig(ctx: Pick<Ctx, 'deps'>): Promise<AppConfig> {
  return (await ctx.deps.store.appConfig.get()) ?? emptyConfig();
}

export async function getConfig(ctx: Ctx): Promise<AppConfigView> {
  authorize(ctx, 'app_config:read');
  return { ...(await loadConfig(ctx)), license: { tier: ctx.deps.license } };
}

const isUrl = (s: string): boolean => {
  // URL parsing drops whitespace and control characters; a stored URL must not carry them.
  if ([...s].some((c) => c.trim() === '' || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return false;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
};

export async function modifyConfig(ctx: Ctx, patch: ModifyConfigInput): Promise<AppConfigView> {
  authorize(ctx, 'app_config:write');
  const current = await loadConfig(ctx);
  const pick = <T>(v: T | null | undefined, fallback: T): T => (v === undefined || v === null ? fallback : v);
  const next: AppConfig = {
    orgInfo: {
      orgName: pick(patch.orgInfo?.orgName, current.orgInfo.orgName),
      orgLogoUrl: pick(patch.orgInfo?.orgLogoUrl, current.orgInfo.orgLogoUrl),
    },
    serverSettings: {
      serverUrl: pick(patch.serverSettings?.serverUrl, current.serverSettings.serverUrl),
      liveQueryDisabled: pick(patch.serverSettings?.liveQueryDisabled, current.serverSettings.liveQueryDisabled),
    },
    agentOptions: patch.agentOptions ? validateAgentOptions(patch.agentOptions) : current.agentOptions,
    fleetDesktop: {
      transparencyUrl: pick(patch.fleetDesktop?.transparencyUrl, current.fleetDesktop.transparencyUrl),
    },
  };
  if (next.orgInfo.orgName.trim() === '') throw ValidationError.of('org_name', 'organization name must be present');
  const { serverUrl } = next.serverSettings;
  if (serverUrl !== '' && !isUrl(serverUrl)) throw ValidationError.of('server_url', `${serverUrl} is not a valid URL`);
  const { transparencyUrl } = next.fleetDesktop;
  if (transparencyUrl !== '' && !isUrl(transparencyUrl)) {
    throw ValidationError.of('transparency_url', `${transparencyUrl} is not a valid URL`);
  }
  if (transparencyUrl !== '' && ctx.deps.license !== 'premium') {
    throw ValidationError.of('transparency_url', 'transparency_url can only be set with Fleet Premium');
  }
  await ctx.deps.store.appConfig.save(next, ctx.deps.clock());
  return { ...next, license: { tier: ctx.deps.license } };
}

/** Where Fleet Desktop's transparency link points: the configured URL or Fleet's default. */
export const transparencyUrl = (config: AppConfig): string => config.fleetDesktop.transparencyUrl || DEFAULT_TRANSPARENCY_URL;
