import type { ApplyCounts, SpecApplyResult } from '../resolvers/model.js';
import { builder } from './builder.js';

export const ApplyCountsRef = builder.objectRef<ApplyCounts>('ApplyCounts').implement({
  description: 'How many specs of one kind created a new object and how many updated an existing one.',
  fields: (t) => ({ created: t.exposeInt('created'), updated: t.exposeInt('updated') }),
});

export const ApplyResultRef = builder.objectRef<SpecApplyResult>('ApplyResult').implement({
  description: 'What an apply changed, per kind; a kind that was not applied is null.',
  fields: (t) => ({
    queries: t.field({ type: ApplyCountsRef, nullable: true, resolve: (r) => r.queries ?? null }),
    packs: t.field({ type: ApplyCountsRef, nullable: true, resolve: (r) => r.packs ?? null }),
    labels: t.field({ type: ApplyCountsRef, nullable: true, resolve: (r) => r.labels ?? null }),
    teams: t.field({ type: ApplyCountsRef, nullable: true, resolve: (r) => r.teams ?? null }),
    policies: t.field({ type: ApplyCountsRef, nullable: true, resolve: (r) => r.policies ?? null }),
    enrollSecrets: t.field({ type: ApplyCountsRef, nullable: true, resolve: (r) => r.enrollSecrets ?? null }),
  }),
});
