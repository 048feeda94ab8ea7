/** fleetgraph's own additions under /api/v1/fleetgraph. */
import { applySpecGroup } from '../../resolvers/spec-groups.js';
import { route, type Route } from '../router.js';
import { parseSpecYaml } from '../spec-yaml.js';

const KIND_NAMES = { queries: 'queries', packs: 'packs', labels: 'labels', policies: 'policies', teams: 'teams', enrollSecrets: 'enroll_secrets' } as const;

export const fleetgraphRoutes: Route[] = [
  route({
    method: 'POST',
    path: '/api/v1/fleetgraph/apply',
    absolute: true,
    body: 'raw',
    handle: async ({ ctx, body }) => {
      const group = parseSpecYaml((body as Buffer).toString('utf8'));
      const result = await applySpecGroup(ctx, group);
      const applied = Object.fromEntries(
        Object.entries(result).map(([kind, counts]) => [KIND_NAMES[kind as keyof typeof KIND_NAMES], counts]),
      );
      return { body: { applied } };
    },
  }),
];
