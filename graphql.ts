/** The GraphQL transport: Yoga over the Pothos schema, with limits and error mapping. */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createYoga } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Ctx, Deps } from './resolvers/context.js';
import { authenticate } from './resolvers/users.js';
import { createLoaders, type GraphQLContext } from './schema/context.js';
import { createMaskError } from './schema/errors.js';
import { schema } from './schema/index.js';

type ServerContext = { req: IncomingMessage; res: ServerResponse };

const BEARER = /^bearer (\S+)$/i;

/** Builds the per-request context every GraphQL transport (HTTP, graphql-ws, SSE) shares. */
export async function graphQLContext(deps: Deps, authorization: string | null | undefined, remoteAddress: string): Promise<GraphQLContext> {
  const domain: Ctx = { deps, viewer: null, remoteAddress };
  const token = authorization?.trim().match(BEARER)?.[1];
  if (token) domain.viewer = await authenticate(domain, token);
  return { domain, loaders: createLoaders(domain) };
}

export function createGraphQL(deps: Deps, log: Logger) {
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'fleetgraph' },
    logging: false,
    maskedErrors: { maskError: createMaskError((err) => log.error({ err }, 'unexpected GraphQL error')) },
    // graphql-ws operations have no Fetch request; app.ts builds their context from the socket.
    context: ({ request, req }) =>
      request
        ? graphQLContext(deps, request.headers.get('authorization'), req?.socket.remoteAddress ?? 'unknown')
        : ({} as GraphQLContext),
    plugins: [
      EnvelopArmorPlugin({
        // Fragments are measured as if inlined, so a query's limits do not depend on how it is written.
        maxDepth: { n: 10, flattenFragments: true },
        costLimit: { maxCost: 5000, flattenFragments: true },
        maxAliases: { n: 15 },
        maxDirectives: { n: 50 },
        maxTokens: { n: 2000 },
      }),
    ],
  });
}

export type GraphQLHandler = ReturnType<typeof createGraphQL>;
