import { cursorToOffset, resolveOffsetConnection } from '@pothos/plugin-relay';
import * as campaigns from '../resolvers/campaigns.js';
import type { Campaign, CampaignResult } from '../resolvers/model.js';
import type { HostCounts } from '../resolvers/ports.js';
import { builder, toId } from './builder.js';
import { HostRef } from './host.js';
import { SavedQueryRef } from './saved-query.js';
import { TargetsInput, toTargets } from './targets.js';

const CampaignStateEnum = builder.enumType('CampaignState', {
  values: { WAITING: { value: 0 }, RUNNING: { value: 1 }, COMPLETE: { value: 2 } } as const,
});

const CampaignMetricsRef = builder.objectRef<HostCounts>('CampaignMetrics').implement({
  fields: (t) => ({
    totalHosts: t.exposeInt('total'),
    onlineHosts: t.exposeInt('online'),
    offlineHosts: t.exposeInt('offline'),
    missingInActionHosts: t.exposeInt('mia'),
    newHosts: t.exposeInt('new'),
  }),
});

const ResultHostRef = builder.objectRef<CampaignResult>('CampaignResultHost').implement({
  fields: (t) => ({
    id: t.exposeID('hostId'),
    hostname: t.exposeString('hostname'),
    displayName: t.exposeString('displayName'),
    host: t.field({
      type: HostRef,
      nullable: true,
      description: 'The full host, when the caller can still see it.',
      resolve: (r, _, { loaders }) => loaders.host.load(r.hostId),
    }),
  }),
});

const CampaignResultRef = builder.objectRef<CampaignResult>('CampaignResult').implement({
  fields: (t) => ({
    cursor: t.string({ description: 'Pass as `after` to resume after this result.', resolve: (r) => String(r.seq) }),
    host: t.field({ type: ResultHostRef, resolve: (r) => r }),
    rows: t.field({ type: ['JSONObject'], resolve: (r) => r.rows }),
    error: t.exposeString('error', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const CampaignRef = builder.objectRef<Campaign>('Campaign').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.field({ type: CampaignStateEnum, resolve: (c) => c.status }),
    query: t.field({ type: SavedQueryRef, resolve: (c, _, { domain }) => campaigns.campaignQuery(domain, c) }),
    metrics: t.field({ type: CampaignMetricsRef, resolve: (c, _, { domain }) => campaigns.campaignMetrics(domain, c) }),
    targets: t.field({
      type: CampaignTargetsRef,
      description: 'The selection as it was asked.',
      resolve: (c) => c.targets,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    results: t.connection({
      type: CampaignResultRef,
      resolve: async (c, args, { domain }) => {
        const total = await campaigns.campaignResultCount(domain, c);
        const connection = await resolveOffsetConnection({ args, totalCount: total }, ({ offset, limit }) =>
          campaigns.campaignResults(domain, c, offset, limit),
        );
        return { ...connection, totalCount: total };
      },
    }),
  }),
});

const CampaignTargetsRef = builder.objectRef<Campaign['targets']>('CampaignTargets').implement({
  fields: (t) => ({
    hostIds: t.idList({ resolve: (x) => x.hostIds }),
    labelIds: t.idList({ resolve: (x) => x.labelIds }),
    teamIds: t.idList({ resolve: (x) => x.teamIds }),
  }),
});

const TotalsRef = builder.objectRef<campaigns.CampaignTotals>('CampaignTotals').implement({
  fields: (t) => ({
    count: t.exposeInt('count'),
    online: t.exposeInt('online'),
    offline: t.exposeInt('offline'),
    missingInAction: t.exposeInt('missingInAction'),
  }),
});

const StatusRef = builder.objectRef<campaigns.CampaignStatusEvent>('CampaignStatus').implement({
  fields: (t) => ({
    expectedResults: t.exposeInt('expectedResults'),
    actualResults: t.exposeInt('actualResults'),
    status: t.exposeString('status', { description: 'pending or finished' }),
  }),
});

const ErrorRef = builder.objectRef<{ message: string }>('CampaignError').implement({
  fields: (t) => ({ message: t.exposeString('message') }),
});

type Event = campaigns.CampaignEvent;

const CampaignEventRef = builder.unionType('CampaignEvent', {
  types: [TotalsRef, StatusRef, CampaignResultRef, ErrorRef],
  resolveType: (e) => {
    const kind = (e as unknown as { __kind: Event['kind'] }).__kind;
    return kind === 'totals' ? TotalsRef : kind === 'status' ? StatusRef : kind === 'result' ? CampaignResultRef : ErrorRef;
  },
});

/** Union members are resolved from the event's kind, carried along on the yielded object. */
const toMember = (e: Event) => {
  // A whole batch here means the schema runs without the plugin that splits batches into events.
  if (campaigns.isEventBatch(e)) throw new Error('campaignEvents needs useSharedSubscriptionEvents to deliver its batches');
  return e.kind === 'result' ? { ...e.result, __kind: e.kind } : { ...e, __kind: e.kind };
};

const RunInput = {
  query: { description: 'SQL to run, when no saved query is given.' },
  queryId: { description: 'A saved query; its SQL wins over `query`.' },
};

const SelectedByNamesInput = builder.inputType('TargetsByNamesInput', {
  fields: (t) => ({ hosts: t.stringList({ description: 'Hostnames' }), labels: t.stringList({ description: 'Label names' }) }),
});

builder.queryField('campaign', (t) =>
  t.field({
    type: CampaignRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, { domain }) => campaigns.getCampaign(domain, toId(id)),
  }),
);

builder.mutationFields((t) => ({
  runLiveQuery: t.field({
    type: CampaignRef,
    args: {
      query: t.arg.string(RunInput.query),
      queryId: t.arg.id(RunInput.queryId),
      selected: t.arg({ type: TargetsInput, required: true }),
    },
    resolve: async (_, args, { domain }) =>
      (
        await campaigns.runLiveQuery(
          domain,
          { query: args.query, queryId: args.queryId == null ? null : toId(args.queryId) },
          toTargets(args.selected),
        )
      ).campaign,
  }),
  runLiveQueryByNames: t.field({
    type: CampaignRef,
    args: {
      query: t.arg.string(RunInput.query),
      queryId: t.arg.id(RunInput.queryId),
      selected: t.arg({ type: SelectedByNamesInput, required: true }),
    },
    resolve: async (_, args, { domain }) =>
      (
        await campaigns.runLiveQueryByNames(
          domain,
          { query: args.query, queryId: args.queryId == null ? null : toId(args.queryId) },
          { hostnames: args.selected.hosts ?? [], labelNames: args.selected.labels ?? [] },
        )
      ).campaign,
  }),
}));

/**
 * The result `after` names: a result's `cursor` (its seq), or an edge cursor of `Campaign.results`
 * (the offset of that result, one less than its seq), so a client can page and then subscribe from
 * `pageInfo.endCursor`. Anything else starts from the first result.
 */
function afterSeq(after: string | null | undefined): number {
  if (!after) return 0;
  let seq = Number(after);
  if (!/^\d+$/.test(after)) {
    try {
      seq = cursorToOffset(after) + 1;
    } catch {
      seq = 0;
    }
  }
  return Number.isSafeInteger(seq) && seq > 0 ? seq : 0;
}

builder.subscriptionType({});

builder.subscriptionField('campaignEvents', (t) =>
  t.field({
    type: CampaignEventRef,
    description: 'Totals and status when they change, then every result in order from `after` on.',
    args: { campaignId: t.arg.id({ required: true }), after: t.arg.string({ description: 'A result cursor.' }) },
    // The stream yields batches of events; each member is executed and delivered as one event
    // (graphql-shared-events.ts), so `resolve` sees one event at a time.
    subscribe: (_, { campaignId, after }, { domain }) =>
      campaigns.campaignEvents(domain, toId(campaignId), afterSeq(after)) as unknown as AsyncIterable<Event>,
    resolve: (e: Event) => toMember(e) as never,
  }),
);
