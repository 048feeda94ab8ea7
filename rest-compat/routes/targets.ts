/** Fleet's target search and counts (fleet-behavior.md §3.3–§3.5). */
import { z } from 'zod';
import * as hosts from '../../resolvers/hosts.js';
import type { HostTargets } from '../../resolvers/model.js';
import { route, type Route } from '../router.js';
import { hostJson, labelJson } from '../wire-hosts.js';

const ids = z.array(z.number().int()).nullish();
const selected = z
  .object({ hosts: ids, labels: ids, teams: ids })
  .nullish()
  .transform((s): HostTargets => ({ hostIds: s?.hosts ?? [], labelIds: s?.labels ?? [], teamIds: s?.teams ?? [] }));
const queryId = z.number().int().positive().nullish();

const countsJson = (c: { total: number; online: number; offline: number }) => ({
  targets_count: c.total,
  targets_online: c.online,
  targets_offline: c.offline,
});

export const targetRoutes: Route[] = [
  route({
    method: 'POST',
    path: '/targets/count',
    body: z.object({ selected, query_id: queryId }),
    handle: async ({ ctx, body }) => ({
      body: countsJson(await hosts.countTargets(ctx, body.selected, body.query_id ?? undefined)),
    }),
  }),
  route({
    method: 'POST',
    path: '/targets',
    body: z.object({ query: z.string().nullish(), selected, query_id: queryId }),
    handle: async ({ ctx, body }) => {
      const r = await hosts.searchTargets(ctx, body.query ?? '', body.selected, body.query_id ?? undefined);
      const now = ctx.deps.clock();
      return {
        body: {
          targets: {
            hosts: r.hosts.map((h) => hostJson(h, now)),
            labels: r.labels.map((l) => ({ ...labelJson(l), display_text: l.name, count: l.count })),
            teams: r.teams.map((t) => ({ id: t.id, name: t.name, description: t.description, display_text: t.name, count: t.count })),
          },
          ...countsJson(r.counts),
          targets_missing_in_action: r.counts.mia,
        },
      };
    },
  }),
  route({
    method: 'POST',
    path: '/hosts/search',
    body: z.object({ query: z.string().nullish(), query_id: queryId, excluded_host_ids: ids }),
    handle: async ({ ctx, body }) => {
      const found = await hosts.searchHosts(ctx, body.query ?? '', body.excluded_host_ids ?? [], body.query_id ?? undefined);
      const now = ctx.deps.clock();
      return { body: { hosts: found.map((h) => hostJson(h, now)) } };
    },
  }),
];
