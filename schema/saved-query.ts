import type { SavedQuery } from '../resolvers/model.js';
import * as savedQueries from '../resolvers/saved-queries.js';
import { ApplyResultRef } from './apply-result.js';
import { builder } from './builder.js';

/** A Fleet "query" (a saved SQL statement); named so it cannot be confused with the root Query. */
export const SavedQueryRef = builder.objectRef<SavedQuery>('SavedQuery').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    query: t.exposeString('query', { description: 'The SQL sent to agents; never run by the server.' }),
    observerCanRun: t.exposeBoolean('observerCanRun'),
    platform: t.exposeString('platform'),
    minOsqueryVersion: t.exposeString('minOsqueryVersion'),
    interval: t.exposeInt('interval'),
    automationsEnabled: t.exposeBoolean('automationsEnabled'),
    logging: t.exposeString('logging'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const QuerySpecInput = builder.inputType('QuerySpecInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string(),
    query: t.string({ required: true }),
    observerCanRun: t.boolean(),
    platform: t.string(),
    minOsqueryVersion: t.string(),
    interval: t.int(),
    automationsEnabled: t.boolean(),
    logging: t.string(),
  }),
});

builder.queryFields((t) => ({
  savedQueries: t.field({ type: [SavedQueryRef], resolve: (_, __, { domain }) => savedQueries.listSavedQueries(domain) }),
  savedQuery: t.field({
    type: SavedQueryRef,
    args: { name: t.arg.string({ required: true }) },
    resolve: (_, { name }, { domain }) => savedQueries.getSavedQuery(domain, name),
  }),
}));

builder.mutationField('applyQuerySpecs', (t) =>
  t.field({
    type: ApplyResultRef,
    args: { specs: t.arg({ type: [QuerySpecInput], required: true }) },
    resolve: (_, { specs }, { domain }) => savedQueries.applyQuerySpecs(domain, specs),
  }),
);
