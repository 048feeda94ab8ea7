import type { Route } from '../router.js';
import { configRoutes } from './config.js';
import { fleetgraphRoutes } from './fleetgraph.js';
import { agentRoutes } from './osquery.js';
import { sessionRoutes } from './session.js';
import { specRoutes } from './specs.js';

export const restRoutes: Route[] = [...sessionRoutes, ...configRoutes, ...specRoutes, ...fleetgraphRoutes, ...agentRoutes];
