import { LABEL_MEMBERSHIP_TYPES, LABEL_TYPES, type Label } from '../resolvers/model.js';
import * as labels from '../resolvers/labels.js';
import { ApplyResultRef } from './apply-result.js';
import { builder } from './builder.js';

const LabelTypeEnum = builder.enumType('LabelType', { values: LABEL_TYPES });
const LabelMembershipTypeEnum = builder.enumType('LabelMembershipType', { values: LABEL_MEMBERSHIP_TYPES });

export const LabelRef = builder.objectRef<Label>('Label').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    query: t.exposeString('query'),
    platform: t.exposeString('platform'),
    labelType: t.field({ type: LabelTypeEnum, resolve: (l) => l.labelType }),
    labelMembershipType: t.field({ type: LabelMembershipTypeEnum, resolve: (l) => l.labelMembershipType }),
    hostnames: t.stringList({
      description: 'Hostnames of the member hosts the caller can see.',
      resolve: (l, _, { loaders }) => loaders.labelHostnames.load(l.id),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const LabelSpecInput = builder.inputType('LabelSpecInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    query: t.string(),
    platform: t.string(),
    labelType: t.field({ type: LabelTypeEnum }),
    labelMembershipType: t.field({ type: LabelMembershipTypeEnum }),
    hosts: t.stringList({ description: 'Hostnames of a manual label’s members; an empty list clears them.' }),
  }),
});

builder.queryFields((t) => ({
  labels: t.field({ type: [LabelRef], resolve: (_, __, { domain }) => labels.listLabels(domain) }),
  label: t.field({
    type: LabelRef,
    args: { name: t.arg.string({ required: true }) },
    resolve: (_, { name }, { domain }) => labels.getLabel(domain, name),
  }),
}));

builder.mutationField('applyLabelSpecs', (t) =>
  t.field({
    type: ApplyResultRef,
    args: { specs: t.arg({ type: [LabelSpecInput], required: true }) },
    resolve: (_, { specs }, { domain }) => labels.applyLabelSpecs(domain, specs),
  }),
);
