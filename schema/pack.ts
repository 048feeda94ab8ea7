import type { Pack, ScheduledQuery } from '../resolvers/model.js';
import * as packs from '../resolvers/packs.js';
import { ApplyResultRef } from './apply-result.js';
import { builder } from './builder.js';
import { LabelRef } from './label.js';
import { present } from './loaded.js';
import { SavedQueryRef } from './saved-query.js';
import { TeamRef } from './team.js';

const ScheduledQueryRef = builder.objectRef<ScheduledQuery>('ScheduledQuery').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    interval: t.exposeInt('interval'),
    snapshot: t.exposeBoolean('snapshot', { nullable: true }),
    removed: t.exposeBoolean('removed', { nullable: true }),
    shard: t.exposeInt('shard', { nullable: true }),
    platform: t.exposeString('platform', { nullable: true }),
    version: t.exposeString('version', { nullable: true }),
    denylist: t.exposeBoolean('denylist', { nullable: true }),
    savedQuery: t.field({
      type: SavedQueryRef,
      resolve: async (s, _, { loaders }) => (await loaders.savedQuery.load(s.queryId))!,
    }),
  }),
});

export const PackRef = builder.objectRef<Pack>('Pack').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    platform: t.exposeString('platform'),
    disabled: t.exposeBoolean('disabled'),
    scheduledQueries: t.field({
      type: [ScheduledQueryRef],
      resolve: (p, _, { loaders }) => loaders.scheduledQueries.load(p.id),
    }),
    targetLabels: t.field({
      type: [LabelRef],
      resolve: async (p, _, { loaders }) => present(await loaders.label.loadMany(p.labelIds)),
    }),
    targetTeams: t.field({
      type: [TeamRef],
      resolve: async (p, _, { loaders }) => present(await loaders.team.loadMany(p.teamIds)),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const PackSpecQueryInput = builder.inputType('PackSpecQueryInput', {
  fields: (t) => ({
    query: t.string({ required: true, description: 'The name of the saved query to schedule.' }),
    name: t.string(),
    description: t.string(),
    interval: t.int({ required: true }),
    snapshot: t.boolean(),
    removed: t.boolean(),
    shard: t.int(),
    platform: t.string(),
    version: t.string(),
    denylist: t.boolean(),
  }),
});

const PackTargetsInput = builder.inputType('PackTargetsInput', {
  fields: (t) => ({ labels: t.stringList(), teams: t.stringList() }),
});

const PackSpecInput = builder.inputType('PackSpecInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    platform: t.string(),
    disabled: t.boolean(),
    targets: t.field({ type: PackTargetsInput }),
    queries: t.field({ type: [PackSpecQueryInput] }),
  }),
});

builder.queryFields((t) => ({
  packs: t.field({ type: [PackRef], resolve: (_, __, { domain }) => packs.listPacks(domain) }),
  pack: t.field({
    type: PackRef,
    args: { name: t.arg.string({ required: true }) },
    resolve: (_, { name }, { domain }) => packs.getPack(domain, name),
  }),
}));

builder.mutationField('applyPackSpecs', (t) =>
  t.field({
    type: ApplyResultRef,
    args: { specs: t.arg({ type: [PackSpecInput], required: true }) },
    resolve: (_, { specs }, { domain }) => packs.applyPackSpecs(domain, specs),
  }),
);
