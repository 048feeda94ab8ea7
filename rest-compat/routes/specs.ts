/**
 * Fleet's spec routes (fleet-api-for-contributors.md: queries, packs, labels, teams,
 * enroll secrets, policies). Each decodes, calls the domain, encodes.
 */
import * as enrollSecrets from '../../resolvers/enroll-secrets.js';
import * as labels from '../../resolvers/labels.js';
import * as packs from '../../resolvers/packs.js';
import * as policies from '../../resolvers/policies.js';
import * as savedQueries from '../../resolvers/saved-queries.js';
import * as teams from '../../resolvers/teams.js';
import {
  enrollSecretSpecWire,
  labelSpecWire,
  packSpecWire,
  policySpecWire,
  querySpecWire,
  specsBody,
  teamSpecWire,
} from '../decode.js';
import { route, type Route } from '../router.js';
import { enrollSecretJson, labelSpecJson, packSpecJson, querySpecJson } from '../wire.js';

const done = { body: {} };
const flag = (q: URLSearchParams, name: string): boolean => ['1', 'true'].includes(q.get(name) ?? '');

export const specRoutes: Route[] = [
  route({
    method: 'GET',
    path: '/spec/queries',
    handle: async ({ ctx }) => ({ body: { specs: (await savedQueries.listSavedQueries(ctx)).map(querySpecJson) } }),
  }),
  route({
    method: 'GET',
    path: '/spec/queries/:name',
    handle: async ({ ctx, params }) => ({ body: { specs: querySpecJson(await savedQueries.getSavedQuery(ctx, params.name ?? '')) } }),
  }),
  route({
    method: 'POST',
    path: '/spec/queries',
    body: specsBody(querySpecWire),
    handle: async ({ ctx, body }) => (await savedQueries.applyQuerySpecs(ctx, body), done),
  }),

  route({
    method: 'GET',
    path: '/spec/packs',
    handle: async ({ ctx }) => {
      const all = await packs.listPacks(ctx);
      // Fleet answers null, not [], when there are no packs.
      return { body: { specs: all.length === 0 ? null : (await packs.packDetails(ctx, all)).map(packSpecJson) } };
    },
  }),
  route({
    method: 'GET',
    path: '/spec/packs/:name',
    handle: async ({ ctx, params }) => {
      const [details] = await packs.packDetails(ctx, [await packs.getPack(ctx, params.name ?? '')]);
      return { body: { specs: packSpecJson(details!) } };
    },
  }),
  route({
    method: 'POST',
    path: '/spec/packs',
    body: specsBody(packSpecWire),
    handle: async ({ ctx, body }) => (await packs.applyPackSpecs(ctx, body), done),
  }),

  route({
    method: 'GET',
    path: '/spec/labels',
    handle: async ({ ctx }) => ({ body: { specs: (await labels.labelSpecs(ctx)).map(labelSpecJson) } }),
  }),
  route({
    method: 'GET',
    path: '/spec/labels/:name',
    handle: async ({ ctx, params }) => ({ body: { specs: labelSpecJson(await labels.labelSpec(ctx, params.name ?? '')) } }),
  }),
  route({
    method: 'POST',
    path: '/spec/labels',
    body: specsBody(labelSpecWire),
    handle: async ({ ctx, body }) => (await labels.applyLabelSpecs(ctx, body), done),
  }),

  route({
    method: 'POST',
    path: '/spec/teams',
    body: specsBody(teamSpecWire),
    handle: async ({ ctx, body, query }) => {
      await teams.applyTeamSpecs(ctx, body, { dryRun: flag(query, 'dry_run'), force: flag(query, 'force') });
      return done;
    },
  }),

  route({
    method: 'POST',
    path: '/spec/policies',
    body: specsBody(policySpecWire),
    handle: async ({ ctx, body }) => (await policies.applyPolicySpecs(ctx, body), done),
  }),

  route({
    method: 'GET',
    path: '/spec/enroll_secret',
    handle: async ({ ctx }) => {
      const secrets = await enrollSecrets.getEnrollSecretSpec(ctx);
      // Fleet answers null, not [], when there are no secrets.
      return { body: { spec: { secrets: secrets.length === 0 ? null : secrets.map(enrollSecretJson) } } };
    },
  }),
  route({
    method: 'POST',
    path: '/spec/enroll_secret',
    body: enrollSecretSpecWire,
    handle: async ({ ctx, body }) => {
      await enrollSecrets.applyEnrollSecretSpec(ctx, (body.spec.secrets ?? []).map((s) => s.secret));
      return done;
    },
  }),
];
