import SchemaBuilder from '@pothos/core';
import { GraphQLScalarType } from 'graphql';
import RelayPlugin from '@pothos/plugin-relay';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import type { JsonObject } from '../resolvers/model.js';
import type { GraphQLContext } from './context.js';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Connection: { totalCount: number };
  Scalars: {
    ID: { Input: string; Output: number | string };
    DateTime: { Input: Date; Output: Date };
    JSONObject: { Input: JsonObject; Output: JsonObject };
  };
}>({
  plugins: [RelayPlugin],
  defaultFieldNullability: false,
  relay: { nodeQueryOptions: false, nodesQueryOptions: false, clientMutationId: 'omit', cursorType: 'String' },
});

builder.globalConnectionField('totalCount', (t) => t.int({ resolve: (parent) => parent.totalCount }));

builder.addScalarType('DateTime', DateTimeResolver);
/** graphql-js builds inline object literals without a prototype; the domain wants plain JSON. */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as JsonObject;
builder.addScalarType(
  'JSONObject',
  new GraphQLScalarType({
    ...JSONObjectResolver.toConfig(),
    parseValue: (v) => plain(JSONObjectResolver.parseValue(v)),
    parseLiteral: (ast, vars) => plain(JSONObjectResolver.parseLiteral(ast, vars)),
  }),
);
builder.queryType({});
builder.mutationType({});

/** GraphQL IDs arrive as strings; the domain speaks numbers. */
export const toId = (id: string | number): number => {
  const n = Number(id);
  return Number.isSafeInteger(n) && n > 0 ? n : -1;
};
