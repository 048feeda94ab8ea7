/** Live query routes: run, run by names, the synchronous run, and live query health. */
import { Readable } from 'node:stream';
import { z } from 'zod';
import * as campaigns from '../../resolvers/campaigns.js';
import { NotFoundError } from '../../resolvers/errors.js';
import type { HostTargets } from '../../resolvers/model.js';
import { route, type Route } from '../router.js';
import { campaignJson, syncAnswerJson } from '../wire-campaigns.js';

const ids = z.array(z.number().int()).nullish();
const names = z.array(z.string()).nullish();
const runFields = { query: z.string().nullish(), query_id: z.number().int().nonnegative().nullish() };

export const campaignRoutes: Route[] = [
  route({
    method: 'POST',
    path: '/queries/run',
    body: z.object({ ...runFields, selected: z.object({ hosts: ids, labels: ids, teams: ids }).nullish() }),
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
    body: z.object({ ...runFields, selected: z.object({ hosts: names, labels: names }).nullish() }),
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
    handle: async ({ ctx, body, params, signal }) => {
      // Fleet's route only matches numeric ids; anything else is an unknown query.
      const id = /^\d+$/.test(params.id ?? '') ? Number(params.id) : Number.NaN;
      if (!Number.isSafeInteger(id) || id <= 0) throw new NotFoundError('Query', params.id ?? '');
      const timeoutMs = body.timeout_seconds == null ? undefined : body.timeout_seconds * 1000;
      const run = await campaigns.startSavedQuerySync(ctx, id, body.host_ids, { timeoutMs, signal });
      // Sent while hosts answer, so only the last results are left to send when the last host is in.
      return { headers: { 'content-type': 'application/json; charset=utf-8' }, stream: Readable.from(syncAnswerJson(run)) };
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
