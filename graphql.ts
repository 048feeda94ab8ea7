/** The GraphQL transport: Yoga over the Pothos schema, with limits and error mapping. */
import { useGraphQlJit } from '@envelop/graphql-jit';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { getOperationAST, GraphQLError, type DocumentNode, type execute as Execute, type subscribe as Subscribe } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { Logger } from 'pino';
import type { Ctx, Deps } from './resolvers/context.js';
import { PayloadTooLargeError, readBody, sendJson } from './rest-compat/http.js';
import { authenticate } from './resolvers/users.js';
import { Loaders, type GraphQLContext } from './schema/context.js';
import { createMaskError } from './schema/errors.js';
import { sharedPayloads, useSharedSubscriptionEvents } from './graphql-shared-events.js';
import { sendBehind } from './socket-send.js';
import { schema } from './schema/index.js';

type ServerContext = { req: IncomingMessage; res: ServerResponse };

function isSubscription(document: DocumentNode, operationName: string | null | undefined): boolean {
  const op = getOperationAST(document, operationName);
  return op?.operation === 'subscription';
}

const BEARER = /^bearer (\S+)$/i;

const ignore = () => undefined;

/** Builds the per-request context every GraphQL transport (HTTP, graphql-ws, SSE) shares. */
export async function graphQLContext(deps: Deps, authorization: string | null | undefined, remoteAddress: string): Promise<GraphQLContext> {
  const domain: Ctx = { deps, viewer: null, remoteAddress };
  const token = authorization?.trim().match(BEARER)?.[1];
  if (token) domain.viewer = await authenticate(domain, token);
  return { domain, loaders: new Loaders(domain) };
}

/**
 * Reads a POST body under the limit every other route has, for Yoga to take whole (it uses a
 * request's `body` when the stream was already read). Yoga's own limit, off below, pipes every
 * body through a TransformStream: about 4 % of the CPU of a small query. False when the request
 * was answered here (413, in GraphQL's error shape) or its client left.
 *
 * The body goes over as a one-chunk stream, not as the Buffer: Yoga's server adapter lists a
 * `body`'s own keys before using it, and a Buffer has one per byte (a 3.4 MB mutation spent
 * 0.95 s there; a 16 MiB body would cost seconds of CPU).
 */
export async function readGraphQLBody(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  if (req.method !== 'POST') return true;
  try {
    const body = await readBody(req);
    if (body.length > 0) (req as IncomingMessage & { body?: Readable }).body = Readable.from([body]);
    return true;
  } catch (err) {
    if (err instanceof PayloadTooLargeError) {
      sendJson(res, 413, { errors: [{ message: err.message, extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }] }, { connection: 'close' });
      return false;
    }
    if (req.destroyed) return false;
    throw err;
  }
}

export function createGraphQL(deps: Deps, log: Logger) {
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    // readGraphQLBody (above) limits POST bodies before Yoga sees them.
    maxRequestBodySize: false,
    landingPage: false,
    graphiql: { title: 'fleetgraph' },
    logging: false,
    maskedErrors: { maskError: createMaskError((err) => log.error({ err }, 'unexpected GraphQL error')) },
    // graphql-ws operations have no Fetch request; app.ts builds their context from the socket.
    context: async ({ request, req }) => {
      if (!request) return {} as GraphQLContext;
      const context = await graphQLContext(deps, request.headers.get('authorization'), req?.socket.remoteAddress ?? 'unknown');
      // An SSE subscriber dropped as too slow is cut at its socket, like a graphql-ws one.
      context.domain.disconnect = () => req?.socket.destroy();
      return context;
    },
    plugins: [
      EnvelopArmorPlugin({
        // Fragments are measured as if inlined, so a query's limits do not depend on how it is written.
        maxDepth: { n: 10, flattenFragments: true },
        costLimit: { maxCost: 5000, flattenFragments: true },
        maxAliases: { n: 15 },
        maxDirectives: { n: 50 },
        maxTokens: { n: 2000 },
      }),
      // Queries and mutations run compiled (graphql-jit: one generated function per document,
      // cached); subscriptions keep the shared per-event execution below.
      useGraphQlJit({}, { enableIf: (args) => !isSubscription(args.document, args.operationName) }),
      useSharedSubscriptionEvents(),
    ],
  });
}


export type GraphQLHandler = ReturnType<typeof createGraphQL>;

/**
 * graphql-ws on /graphql, running every operation through Yoga's envelope so the same plugins
 * (limits, masking) and the same context apply as over HTTP.
 */
export function createGraphQLWs(yoga: GraphQLHandler, deps: Deps) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  // Registered before graphql-ws's own listener, so every frame it sends goes through here.
  wss.on('connection', (socket) => {
    const send = socket.send.bind(socket) as (text: string, cb: (err?: Error) => void) => void;
    socket.send = ((text: string, cb?: (err?: Error) => void) => {
      const frames = sharedPayloads.fill(text);
      if (typeof frames === 'string') return sendBehind(socket, send, frames, () => cb?.());
      // A batch: graphql-ws waits for its last frame only, so it may overshoot the bound by one batch.
      const last = frames.length - 1;
      for (let i = 0; i < last; i++) sendBehind(socket, send, frames[i]!, ignore);
      sendBehind(socket, send, frames[last]!, () => cb?.());
    }) as typeof socket.send;
  });
  const server = useServer(
    {
      onNext: (_ctx, _id, _payload, _args, result) => sharedPayloads.onNext(result),
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        let document;
        try {
          document = parse(params.query);
        } catch (err) {
          // A bad document is this operation's error, not a reason to drop the connection.
          return [err instanceof GraphQLError ? err : new GraphQLError('Syntax Error')];
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        // connectionParams {token} or {authorization}, else the upgrade request's Authorization header.
        const init = ctx.connectionParams ?? {};
        const auth =
          typeof init.token === 'string'
            ? `Bearer ${init.token}`
            : (init.authorization ?? init.Authorization ?? ctx.extra.request.headers.authorization);
        const graphql = await graphQLContext(deps, typeof auth === 'string' ? auth : undefined, ctx.extra.request.socket.remoteAddress ?? 'unknown');
        // A subscriber dropped as too slow is cut at the socket: its sender is stuck behind a full buffer.
        graphql.domain.disconnect = () => ctx.extra.socket.terminate();
        const contextValue: GraphQLContext = { ...(await contextFactory()), ...graphql, batchedEvents: true };
        return {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue,
          rootValue: { execute, subscribe },
        };
      },
      execute: (args) => (args.rootValue as { execute: typeof Execute }).execute(args),
      subscribe: (args) => (args.rootValue as { subscribe: typeof Subscribe }).subscribe(args),
    },
    wss,
  );
  return {
    wss,
    async dispose() {
      await server.dispose();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
