/** Fleet's GET/PATCH /config, limited to the settings fleetgraph uses. */
import { z } from 'zod';
import * as appConfig from '../../resolvers/app-config.js';
import { route, type Route } from '../router.js';
import { configJson } from '../wire.js';

const patchBody = z.object({
  org_info: z.object({ org_name: z.string().nullish(), org_logo_url: z.string().nullish() }).nullish(),
  server_settings: z.object({ server_url: z.string().nullish(), live_query_disabled: z.boolean().nullish() }).nullish(),
  agent_options: z.record(z.string(), z.unknown()).nullish(),
  fleet_desktop: z.object({ transparency_url: z.string().nullish() }).nullish(),
});

export const configRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/config',
    handle: async ({ ctx }) => ({ body: configJson(await appConfig.getConfig(ctx)) }),
  }),
  route({
    method: 'PATCH',
    path: '/config',
    body: patchBody,
    handle: async ({ ctx, body }) => {
      const view = await appConfig.modifyConfig(ctx, {
        orgInfo: body.org_info && { orgName: body.org_info.org_name, orgLogoUrl: body.org_info.org_logo_url },
        serverSettings: body.server_settings && {
          serverUrl: body.server_settings.server_url,
          liveQueryDisabled: body.server_settings.live_query_disabled,
        },
        agentOptions: body.agent_options,
        fleetDesktop: body.fleet_desktop && { transparencyUrl: body.fleet_desktop.transparency_url },
      });
      return { body: configJson(view) };
    },
  }),
];
