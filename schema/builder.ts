import SchemaBuilder from '@pothos/core';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import type { JsonObject } from '../resolvers/model.js';
import type { GraphQLContext } from './context.js';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultFieldNullability: false;
  Scalars: {
    ID: { Input: string; Output: number | string };
    DateTime: { Input: Date; Output: Date };
    JSONObject: { Input: JsonObject; Output: JsonObject };
  };
}>({
  defaultFieldNullability: false,
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSONObject', JSONObjectResolver);
builder.queryType({});
builder.mutationType({});

/** GraphQL IDs arrive as strings; the domain speaks numbers. */
export const toId = (id: string | number): number => {
  const n = Number(id);
  return Number.isSafeInteger(n) && n > 0 ? n : -1;
};
