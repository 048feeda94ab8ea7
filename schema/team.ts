import type { EnrollSecret, Team } from '../resolvers/model.js';
import * as enrollSecrets from '../resolvers/enroll-secrets.js';
import * as teams from '../resolvers/teams.js';
import { ApplyResultRef } from './apply-result.js';
import { builder } from './builder.js';

export const EnrollSecretRef = builder.objectRef<EnrollSecret>('EnrollSecret');
export const TeamRef = builder.objectRef<Team>('Team');

EnrollSecretRef.implement({
  fields: (t) => ({
    secret: t.exposeString('secret'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    team: t.field({
      type: TeamRef,
      nullable: true,
      resolve: (s, _, { loaders }) => (s.teamId === null ? null : loaders.team.load(s.teamId)),
    }),
  }),
});

TeamRef.implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    agentOptions: t.expose('agentOptions', {
      type: 'JSONObject',
      nullable: true,
      description: 'Null when the team uses the global agent options.',
    }),
    enrollSecrets: t.field({
      type: [EnrollSecretRef],
      resolve: (team, _, { loaders }) => loaders.teamSecrets.load(team.id),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const EnrollSecretInput = builder.inputType('EnrollSecretInput', {
  fields: (t) => ({ secret: t.string({ required: true }) }),
});

const TeamSpecInput = builder.inputType('TeamSpecInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    agentOptions: t.field({ type: 'JSONObject', description: 'Omitted keeps, null resets to the global options.' }),
    secrets: t.field({ type: [EnrollSecretInput], description: 'Replaces the team’s secrets unless empty.' }),
  }),
});

builder.queryFields((t) => ({
  teams: t.field({ type: [TeamRef], resolve: (_, __, { domain }) => teams.listTeams(domain) }),
  team: t.field({
    type: TeamRef,
    args: { name: t.arg.string({ required: true }) },
    resolve: (_, { name }, { domain }) => teams.getTeam(domain, name),
  }),
  enrollSecrets: t.field({
    type: [EnrollSecretRef],
    description: 'The global enroll secrets.',
    resolve: (_, __, { domain }) => enrollSecrets.getEnrollSecretSpec(domain),
  }),
}));

builder.mutationFields((t) => ({
  applyTeamSpecs: t.field({
    type: ApplyResultRef,
    args: {
      specs: t.arg({ type: [TeamSpecInput], required: true }),
      dryRun: t.arg.boolean({ defaultValue: false }),
      force: t.arg.boolean({ defaultValue: false }),
    },
    resolve: (_, { specs, dryRun, force }, { domain }) =>
      teams.applyTeamSpecs(domain, specs, { dryRun: dryRun ?? false, force: force ?? false }),
  }),
  applyEnrollSecretSpec: t.field({
    type: ApplyResultRef,
    args: { secrets: t.arg.stringList({ required: true }) },
    resolve: (_, { secrets }, { domain }) => enrollSecrets.applyEnrollSecretSpec(domain, secrets),
  }),
}));
