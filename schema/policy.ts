import type { Policy } from '../resolvers/model.js';
import * as policies from '../resolvers/policies.js';
import { ApplyResultRef } from './apply-result.js';
import { builder, toId } from './builder.js';
import { TeamRef } from './team.js';

export const PolicyRef = builder.objectRef<Policy>('Policy').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    query: t.exposeString('query'),
    description: t.exposeString('description'),
    resolution: t.exposeString('resolution'),
    platform: t.exposeString('platform', { description: 'Comma-separated platforms; empty means all.' }),
    team: t.field({
      type: TeamRef,
      nullable: true,
      resolve: (p, _, { loaders }) => (p.teamId === null ? null : loaders.team.load(p.teamId)),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const PolicySpecInput = builder.inputType('PolicySpecInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    query: t.string({ required: true }),
    description: t.string(),
    resolution: t.string(),
    team: t.string({ description: 'The team’s name; omitted for a global policy.' }),
    platform: t.string(),
  }),
});

builder.queryField('policies', (t) =>
  t.field({
    type: [PolicyRef],
    description: 'Global policies, or one team’s when teamId is given.',
    args: { teamId: t.arg.id() },
    resolve: (_, { teamId }, { domain }) => policies.listPolicies(domain, teamId == null ? null : toId(teamId)),
  }),
);

builder.mutationField('applyPolicySpecs', (t) =>
  t.field({
    type: ApplyResultRef,
    args: { specs: t.arg({ type: [PolicySpecInput], required: true }) },
    resolve: (_, { specs }, { domain }) => policies.applyPolicySpecs(domain, specs),
  }),
);
