/**
 * Fleet Desktop's device-authenticated routes: the path's token, not a user, authenticates.
 * https://github.com/fleetdm/fleet/blob/main/docs/Contributing/API-for-contributors.md#device-authenticated-routes
 */
import * as devices from '../../resolvers/devices.js';
import type { Macadmins } from '../../resolvers/devices.js';
import { route, type Route, type RouteRequest } from '../router.js';
import { hostDetailJson, hostPolicyJson } from '../wire-hosts.js';

const deviceRoute = (method: 'GET' | 'POST', suffix: string, handle: Route['handle']): Route =>
  route({ method, path: `/device/:token${suffix}`, public: true, handle });

const token = (r: RouteRequest<unknown>): string => r.params.token ?? '';

const macadminsJson = (m: Macadmins | null) =>
  m && {
    munki: m.munki && { version: m.munki.version },
    // Fleet omits `name` when unknown and `id` (its MDM solution row) when it has none; fleetgraph keeps no such rows.
    mobile_device_management: m.mdm && {
      enrollment_status: m.mdm.enrollmentStatus,
      server_url: m.mdm.serverUrl,
      ...(m.mdm.name ? { name: m.mdm.name } : {}),
    },
  };

export const deviceRoutes: Route[] = [
  deviceRoute('GET', '', async (r) => {
    const d = await devices.getDeviceHost(r.ctx, token(r));
    return { body: { host: hostDetailJson(d.detail, r.ctx.deps.clock()), org_logo_url: d.orgLogoUrl, license: { tier: d.license.tier } } };
  }),
  deviceRoute('POST', '/refetch', async (r) => (await devices.refetchDeviceHost(r.ctx, token(r)), { body: {} })),
  deviceRoute('GET', '/device_mapping', async (r) => {
    const m = await devices.getDeviceMapping(r.ctx, token(r));
    return { body: { host_id: m.hostId, device_mapping: m.mappings && m.mappings.map((e) => ({ email: e.email, source: e.source })) } };
  }),
  deviceRoute('GET', '/macadmins', async (r) => ({ body: { macadmins: macadminsJson(await devices.getDeviceMacadmins(r.ctx, token(r))) } })),
  deviceRoute('GET', '/policies', async (r) => {
    const policies = await devices.listDevicePolicies(r.ctx, token(r));
    return { body: { policies: policies.map(hostPolicyJson) } };
  }),
  deviceRoute('GET', '/api_features', async (r) => ({ body: { features: await devices.getDeviceApiFeatures(r.ctx, token(r)) } })),
  deviceRoute('GET', '/transparency', async (r) => ({
    status: 307,
    headers: { location: await devices.deviceTransparencyUrl(r.ctx, token(r)) },
  })),
  // Orbit's reachability probe; unversioned, unauthenticated and bodiless.
  route({ method: 'HEAD', path: '/api/fleet/device/ping', absolute: true, public: true, handle: async () => ({}) }),
];
