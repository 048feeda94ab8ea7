import type { Route } from '../router.js';
import { campaignRoutes } from './campaigns.js';
import { configRoutes } from './config.js';
import { deviceRoutes } from './device.js';
import { fleetgraphRoutes } from './fleetgraph.js';
import { installerRoutes } from './installers.js';
import { agentRoutes } from './osquery.js';
import { sessionRoutes } from './session.js';
import { specRoutes } from './specs.js';
import { targetRoutes } from './targets.js';

export const restRoutes: Route[] = [...sessionRoutes, ...configRoutes, ...specRoutes, ...targetRoutes, ...campaignRoutes, ...fleetgraphRoutes, ...agentRoutes, ...deviceRoutes, ...installerRoutes];
