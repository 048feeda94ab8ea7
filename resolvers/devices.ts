/**
 * Fleet Desktop's device-authenticated routes (fleet-behavior.md §7). The token orbit reports in
 * its orbit_info detail query stands in for a user, and grants a view of that one host only.
 */
import { DEFAULT_TRANSPARENCY_URL, loadConfig, transparencyUrl } from './app-config.js';
import type { Ctx } from './context.js';
import { AuthRequiredError, LicenseError } from './errors.js';
import { hostDetail, refetchHost, withSeen, type HostDetail } from './hosts.js';
import type { DeviceMapping, Host, LicenseTier, MdmInfo, MunkiInfo } from './model.js';
import { hashToken } from './tokens.js';

/**
 * The host a device token belongs to. Fleet also refuses tokens not refreshed within an hour,
 * because orbit rotates them hourly through its own endpoint. Our agents send the token only with
 * detail refreshes (orbit_info, once per detail interval), so an age limit would lock out healthy
 * devices: a token stays valid until the host reports another one.
 */
export async function authenticateDevice(ctx: Pick<Ctx, 'deps'>, token: string): Promise<Host> {
  if (token === '') throw new AuthRequiredError();
  const found = await ctx.deps.store.hosts.byDeviceTokenHash(hashToken(token));
  if (!found) throw new AuthRequiredError();
  return withSeen(ctx, found.host);
}

/**
 * Runs one device request under Fleet's failure limit, counted per address and route. The limit
 * is checked before the token, so a client over it gets 429 even with a valid token; only
 * failures are counted, so Fleet Desktop polling with a good token never trips it.
 */
async function asDevice<T>(ctx: Ctx, route: string, token: string, fn: (host: Host) => Promise<T>): Promise<T> {
  const { deviceLimiter, clock } = ctx.deps;
  const keys = [`device:${route}:${ctx.remoteAddress}`];
  deviceLimiter.check(keys, clock());
  try {
    return await fn(await authenticateDevice(ctx, token));
  } catch (err) {
    // Concurrent failures can overshoot the check above; the one that does answers 429 instead.
    deviceLimiter.hit(keys, clock());
    throw err;
  }
}

export type DeviceHost = { detail: HostDetail; orgLogoUrl: string; license: { tier: LicenseTier } };

export async function getDeviceHost(ctx: Ctx, token: string): Promise<DeviceHost> {
  return asDevice(ctx, 'get_device_host', token, async (host) => {
    const [detail, config] = await Promise.all([hostDetail(ctx, host), loadConfig(ctx)]);
    return {
      detail,
      orgLogoUrl: config.orgInfo.orgLogoUrl,
      license: { tier: ctx.deps.license },
    };
  });
}

export async function refetchDeviceHost(ctx: Ctx, token: string): Promise<void> {
  await asDevice(ctx, 'refetch_device_host', token, (host) => refetchHost(ctx, host));
}

async function inventoryOf(ctx: Ctx, host: Host) {
  return (await ctx.deps.store.hosts.inventory([host.id])).get(host.id);
}

/** The emails seen in the device's browser profiles; null when there are none, as Fleet answers. */
export async function getDeviceMapping(ctx: Ctx, token: string): Promise<{ hostId: number; mappings: DeviceMapping[] | null }> {
  return asDevice(ctx, 'get_device_mapping', token, async (host) => {
    const mappings = (await inventoryOf(ctx, host))?.deviceMapping ?? null;
    return { hostId: host.id, mappings: mappings && mappings.length > 0 ? mappings : null };
  });
}

export type Macadmins = { munki: MunkiInfo | null; mdm: MdmInfo | null };

/** Munki and MDM facts; null when the host reported neither, as Fleet answers. */
export async function getDeviceMacadmins(ctx: Ctx, token: string): Promise<Macadmins | null> {
  return asDevice(ctx, 'get_device_macadmins', token, async (host) => {
    const inventory = await inventoryOf(ctx, host);
    const munki = inventory?.munki ?? null;
    const mdm = inventory?.mdm ?? null;
    return munki === null && mdm === null ? null : { munki, mdm };
  });
}

/** Premium: the global and team policies for the host's platform, with its latest answers. */
export async function listDevicePolicies(ctx: Ctx, token: string): Promise<HostDetail['policies']> {
  return asDevice(ctx, 'get_device_policies', token, async (host) => {
    if (ctx.deps.license !== 'premium') throw new LicenseError();
    return (await hostDetail(ctx, host)).policies;
  });
}

/** The device API's optional features; fleetgraph offers none beyond the routes themselves. */
export async function getDeviceApiFeatures(ctx: Ctx, token: string): Promise<Record<string, never>> {
  return asDevice(ctx, 'get_device_api_features', token, async () => ({}));
}

/** Where Fleet Desktop's "Transparency" item leads: a custom URL needs premium. */
export async function deviceTransparencyUrl(ctx: Ctx, token: string): Promise<string> {
  return asDevice(ctx, 'get_device_transparency_url', token, async () =>
    ctx.deps.license === 'premium' ? transparencyUrl(await loadConfig(ctx)) : DEFAULT_TRANSPARENCY_URL,
  );
}
