/**
 * The composition root: the only place where the store, the transports and the HTTP server are
 * built. No module holds state, so a test can start many apps in one process.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { parse, type execute as Execute, type subscribe as Subscribe } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { pino, type Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Config } from './config.js';
import { createInstallerFiles } from './db/installers.js';
import { openStore } from './db/open.js';
import { createGraphQL, graphQLContext } from './graphql.js';
import { createMetrics } from './metrics.js';
import { createAgentLogFiles } from './agent-log.js';
import type { Deps } from './resolvers/context.js';
import { createLiveCampaigns } from './resolvers/live-campaigns.js';
import { createMemoryResultStore } from './db/memory-results.js';
import { createSeenTracker } from './resolvers/seen-tracker.js';
import { createBcryptHasher } from './resolvers/passwords.js';
import { createRateLimiter } from './resolvers/rate-limit.js';
import { sendJson } from './rest-compat/http.js';
import { createRestHandler } from './rest-compat/router.js';
import { createResultsSockets } from './rest-compat/results-sockets.js';
import { restRoutes } from './rest-compat/routes/index.js';

export type App = {
  server: Server;
  deps: Deps;
  log: Logger;
  /** The base URL once started, e.g. http://127.0.0.1:8080 */
  url: string;
  start(): Promise<string>;
  stop(): Promise<void>;
};

export function createLogger(level: Config['logLevel']): Logger {
  if (process.stdout.isTTY && level !== 'silent') {
    return pino({ level }, pino.transport({ target: 'pino-pretty', options: { destination: 1 } }));
  }
  return pino({ level });
}

export type BuildOptions = {
  log?: Logger;
  /** Injected in tests to move time; defaults to the wall clock. */
  clock?: () => Date;
};

/** How often buffered check-in times are written. */
const SEEN_FLUSH_MS = 1000;
/** Fleet's rule: a campaign nobody watches for a minute is completed. */
const UNWATCHED_CAMPAIGN_MS = 60_000;
const SWEEP_MS = 5000;

export function buildApp(config: Config, opts: BuildOptions = {}): App {
  const log = opts.log ?? createLogger(config.logLevel);
  const store = openStore(config.db);
  const agentLog = createAgentLogFiles(config.osqueryLogDir);
  const seen = createSeenTracker(store.hosts);
  const clock = opts.clock ?? (() => new Date());
  const reportError = (err: unknown) => log.error({ err }, 'live query failure');
  const results = createMemoryResultStore(store.campaigns, { maxRowsPerCampaign: config.campaignMaxRows, onError: reportError });
  const live = createLiveCampaigns({
    campaigns: store.campaigns,
    results,
    clock,
    limits: { unwatchedMs: UNWATCHED_CAMPAIGN_MS, maxDurationMs: config.campaignMaxDuration * 1000 },
    onError: reportError,
  });
  const deps: Deps = {
    store,
    clock,
    license: config.license,
    passwords: createBcryptHasher(config.bcryptCost),
    loginLimiter: createRateLimiter({ limit: config.loginRateLimit, windowMs: config.loginRateWindowMs }),
    seen,
    agentIntervals: { detailSeconds: config.detailInterval, labelSeconds: config.labelInterval, policySeconds: config.policyInterval },
    liveQueries: live.router,
    live,
    results,
    campaignLimits: {
      subscriberMaxLag: config.subscriberMaxLag,
      syncDefaultTimeoutMs: config.syncRunTimeout * 1000,
      syncMaxTimeoutMs: config.syncRunMaxTimeout * 1000,
    },
    agentLog,
    deviceLimiter: createRateLimiter({ limit: config.deviceRateLimit, windowMs: 3_600_000 }),
    installers: createInstallerFiles(config.installersDir),
  };
  const seenTimer = setInterval(() => {
    seen.flush().catch((err: unknown) => log.error({ err }, 'writing check-in times failed'));
  }, SEEN_FLUSH_MS);
  seenTimer.unref();
  const sweepTimer = setInterval(() => {
    live.sweep().catch(reportError);
  }, SWEEP_MS);
  sweepTimer.unref();
  const metrics = createMetrics(() => live.stats());
  const observe = (route: string, method: string, status: number, seconds: number) => {
    metrics.requests.inc({ route, method, status: String(status) });
    if (status === 200 && route.includes('/osquery/') && !route.endsWith('/enroll')) metrics.agentCheckins.inc({ endpoint: route.slice(route.indexOf('/osquery/') + 9) });
    metrics.latency.observe({ route, method }, seconds);
  };
  const rest = createRestHandler(deps, restRoutes, observe);
  const resultsSockets = createResultsSockets(deps, {
    inc: (protocol) => metrics.openSockets.inc({ protocol }),
    dec: (protocol) => metrics.openSockets.dec({ protocol }),
  });
  const yoga = createGraphQL(deps, log);

  const ops = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> => {
    if (path === '/healthz') {
      try {
        await store.ping();
        sendJson(res, 200, { status: 'ok' });
      } catch (err) {
        log.error({ err }, 'health check failed');
        sendJson(res, 503, { status: 'unavailable' });
      }
      return true;
    }
    if (path === '/metrics') {
      if (config.metricsToken && req.headers.authorization !== `Bearer ${config.metricsToken}`) {
        res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
        return true;
      }
      const body = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
      return true;
    }
    return false;
  };

  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const { err, ingestProblems } = req as IncomingMessage & { err?: unknown; ingestProblems?: string[] };
      const line = { method: req.method, path, status: res.statusCode, ms: Math.round(ms * 100) / 100, err, ingestProblems };
      if (err) log.error(line, 'request');
      else if (ingestProblems) log.warn(line, 'request');
      else log.info(line, 'request');
    });
    void (async () => {
      if (await ops(req, res, path)) return;
      if (resultsSockets.handleRequest(req, res, path)) return;
      if (path === '/graphql' || path.startsWith('/graphql/')) {
        const started = process.hrtime.bigint();
        await yoga(req, res);
        observe('/graphql', req.method ?? 'GET', res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
        return;
      }
      await rest(req, res);
    })().catch((err: unknown) => {
      log.error({ err }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
      else res.destroy();
    });
  });

  const graphqlWss = new WebSocketServer({ noServer: true });
  const graphqlWs = useServer(
    {
      onSubscribe: async (ctx, _id, params) => {
        const { schema, execute, subscribe, contextFactory, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        const document = parse(params.query);
        const errors = validate(schema, document);
        if (errors.length > 0) return errors;
        // connectionParams {token} or {authorization}, else the upgrade request's Authorization header.
        const init = ctx.connectionParams ?? {};
        const auth =
          typeof init.token === 'string'
            ? `Bearer ${init.token}`
            : (init.authorization ?? init.Authorization ?? ctx.extra.request.headers.authorization);
        const base = await contextFactory();
        const contextValue = {
          ...base,
          ...(await graphQLContext(deps, typeof auth === 'string' ? auth : undefined, ctx.extra.request.socket.remoteAddress ?? 'unknown')),
        };
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
    graphqlWss,
  );
  graphqlWss.on('connection', (ws) => {
    metrics.openSockets.inc({ protocol: 'graphql-ws' });
    ws.once('close', () => metrics.openSockets.dec({ protocol: 'graphql-ws' }));
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/graphql') {
      graphqlWss.handleUpgrade(req, socket, head, (ws) => graphqlWss.emit('connection', ws, req));
      return;
    }
    if (resultsSockets.handleUpgrade(req, socket, head, path)) return;
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  let stopping: Promise<void> | undefined;
  const app: App = {
    server,
    deps,
    log,
    url: '',
    start: async () => {
      await live.restore();
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          const { port } = server.address() as AddressInfo;
          const host = config.host.includes(':') ? `[${config.host}]` : config.host;
          app.url = `http://${host}:${port}`;
          resolve(app.url);
        });
      });
    },
    stop() {
      // Idempotent: a second caller waits for the first shutdown.
      stopping ??= (async () => {
        await graphqlWs.dispose();
        for (const ws of graphqlWss.clients) ws.terminate();
        resultsSockets.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // In-flight requests get a moment to finish; then every connection is cut.
        const timer = setTimeout(() => server.closeAllConnections(), 5000);
        server.closeIdleConnections();
        await closed;
        clearTimeout(timer);
        clearInterval(seenTimer);
        clearInterval(sweepTimer);
        await results.close();
        await seen.flush();
        await agentLog.close();
        store.close();
      })();
      return stopping;
    },
  };
  return app;
}
