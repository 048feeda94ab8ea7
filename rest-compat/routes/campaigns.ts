/** Live query routes: run, run by names, the synchronous run, and live query health. */
import { z } from 'zod';
import * as campaigns from '../../resolvers/campaigns.js';
import { NotFoundError } from '../../resolvers/errors.js';
import type { HostTargets } from '../../resolvers/model.js';
import { route, type Route } from '../router.js';
import { campaignJson, resultRows } from '../wire-campaigns.js';

const ids = z.array(z.number().int()).nullish();
const names = z.array(z.string()).nullish();
const runFields = { query: z.string().nullish(), query_id: z.number().int().nonnegative().nullish() };

export const campaignRoutes: Route[] = [
  route({
    method: 'POST',
    path: '/queries/run',
    body: z
      .object({ ...runFields, selected: z.object({ hosts: ids, labels: ids, teams: ids }).nullish() })
      .nullable()
      .transform((b) => b ?? {}),
    handle: async ({ ctx, body }) => {
      const selected: HostTargets = {
        hostIds: body.selected?.hosts ?? [],
        labelIds: body.selected?.labels ?? [],
        teamIds: body.selected?.teams ?? [],
      };
      const run = await campaigns.runLiveQuery(ctx, { query: body.query, queryId: body.query_id }, selected);
      return { body: { campaign: campaignJson(run) } };
    },
  }),
  route({
    method: 'POST',
    path: '/queries/run_by_names',
    body: z
      .object({ ...runFields, selected: z.object({ hosts: names, labels: names }).nullish() })
      .nullable()
      .transform((b) => b ?? {}),
    handle: async ({ ctx, body }) => {
      const run = await campaigns.runLiveQueryByNames(
        ctx,
        { query: body.query, queryId: body.query_id },
        { hostnames: body.selected?.hosts ?? [], labelNames: body.selected?.labels ?? [] },
      );
      return { body: { campaign: campaignJson(run) } };
    },
  }),
  route({
    method: 'POST',
    path: '/queries/:id/run',
    body: z.object({ host_ids: z.array(z.number().int()), timeout_seconds: z.number().nonnegative().nullish() }),
    handle: async ({ ctx, body, params }) => {
      // Fleet's route only matches numeric ids; anything else is an unknown query.
      const id = /^\d+$/.test(params.id ?? '') ? Number(params.id) : Number.NaN;
      if (!Number.isSafeInteger(id) || id <= 0) throw new NotFoundError('Query', params.id ?? '');
      // Each result is serialized as it arrives, so the answer is ready when the last host is.
      const pieces: string[] = [];
      const r = await campaigns.runSavedQuerySync(
        ctx,
        id,
        body.host_ids,
        body.timeout_seconds == null ? undefined : body.timeout_seconds * 1000,
        (x) => pieces.push(JSON.stringify({ host_id: x.hostId, rows: resultRows(x), error: x.error })),
      );
      const head = JSON.stringify({ query_id: r.queryId, targeted_host_count: r.targetedHostCount, responded_host_count: r.respondedHostCount });
      return { json: `${head.slice(0, -1)},"results":[${pieces.join(',')}]}` };
    },
  }),
  route({
    method: 'GET',
    path: '/status/live_query',
    handle: async ({ ctx }) => (await campaigns.liveQueryStatus(ctx), { body: {} }),
  }),
  route({
    method: 'GET',
    path: '/status/result_store',
    handle: async ({ ctx }) => (await campaigns.resultStoreStatus(ctx), { body: {} }),
  }),
];
