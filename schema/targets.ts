import * as hosts from '../resolvers/hosts.js';
import type { HostTargets, Label, Team } from '../resolvers/model.js';
import type { HostCounts } from '../resolvers/ports.js';
import { builder, toId } from './builder.js';
import { HostRef } from './host.js';
import { LabelRef } from './label.js';
import { TeamRef } from './team.js';

export const TargetsInput = builder.inputType('TargetsInput', {
  description: 'Hosts by id, members of labels, and hosts of teams (team 0 = no team).',
  fields: (t) => ({ hosts: t.idList(), labels: t.idList(), teams: t.idList() }),
});

export const toTargets = (s: { hosts?: (string | number)[] | null; labels?: (string | number)[] | null; teams?: (string | number)[] | null } | null | undefined): HostTargets => ({
  hostIds: (s?.hosts ?? []).map(toId),
  labelIds: (s?.labels ?? []).map(toId),
  teamIds: (s?.teams ?? []).map((id) => (String(id) === '0' ? 0 : toId(id))),
});

const TargetCountsRef = builder.objectRef<HostCounts>('TargetCounts').implement({
  fields: (t) => ({
    total: t.exposeInt('total'),
    online: t.exposeInt('online'),
    offline: t.exposeInt('offline', { description: 'Includes missing-in-action hosts.' }),
    missingInAction: t.exposeInt('mia'),
    new: t.exposeInt('new'),
  }),
});

const LabelTargetRef = builder.objectRef<Label & { count: number }>('LabelTarget').implement({
  fields: (t) => ({ label: t.field({ type: LabelRef, resolve: (l) => l }), hostCount: t.exposeInt('count') }),
});

const TeamTargetRef = builder.objectRef<Team & { count: number }>('TeamTarget').implement({
  fields: (t) => ({ team: t.field({ type: TeamRef, resolve: (x) => x }), hostCount: t.exposeInt('count') }),
});

const TargetSearchRef = builder.objectRef<hosts.TargetSearch>('TargetSearch').implement({
  fields: (t) => ({
    hosts: t.field({ type: [HostRef], description: 'Up to ten matching hosts not yet selected.', resolve: (r) => r.hosts }),
    labels: t.field({ type: [LabelTargetRef], resolve: (r) => r.labels }),
    teams: t.field({ type: [TeamTargetRef], resolve: (r) => r.teams }),
    counts: t.field({ type: TargetCountsRef, description: 'Counts of the current selection.', resolve: (r) => r.counts }),
  }),
});

builder.queryFields((t) => ({
  searchTargets: t.field({
    type: TargetSearchRef,
    args: {
      query: t.arg.string({ defaultValue: '' }),
      selected: t.arg({ type: TargetsInput }),
      queryId: t.arg.id({ description: 'The saved query to run; its observerCanRun widens what observers see.' }),
    },
    resolve: (_, args, { domain }) =>
      hosts.searchTargets(domain, args.query ?? '', toTargets(args.selected), args.queryId == null ? undefined : toId(args.queryId)),
  }),
  countTargets: t.field({
    type: TargetCountsRef,
    args: { selected: t.arg({ type: TargetsInput, required: true }), queryId: t.arg.id() },
    resolve: (_, args, { domain }) =>
      hosts.countTargets(domain, toTargets(args.selected), args.queryId == null ? undefined : toId(args.queryId)),
  }),
}));
