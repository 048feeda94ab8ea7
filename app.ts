/**
 * The composition root: the only place where the store, the transports and the HTTP server are
 * built. No module holds state, so a test can start many apps in one process.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';
import { createInstallerFiles } from './db/installers.js';
import { openStore } from './db/open.js';
import { createGraphQL, createGraphQLWs, readGraphQLBody } from './graphql.js';
import { createMetrics } from './metrics.js';
import { createAgentLogFiles } from './agent-log.js';
import type { Deps } from './resolvers/context.js';
import { createLiveCampaigns } from './resolvers/live-campaigns.js';
import { createMemoryResultStore } from './db/memory-results.js';
import { createSeenTracker } from './resolvers/seen-tracker.js';
import { createBcryptHasher } from './resolvers/passwords.js';
import { createRateLimiter } from './resolvers/rate-limit.js';
import { requestTarget, sendJson, type RequestTarget } from './rest-compat/http.js';
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

/** Compares digests so the time taken says nothing about how much of a guess was right. */
const sameSecret = (a: string, b: string): boolean => {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
};

/** One request's log line: every request's (`all`), or else only a failed one's or one with ingest problems. */
function logRequest(log: Logger, req: IncomingMessage, res: ServerResponse, path: string, started: number, all: boolean): void {
  const { err, ingestProblems } = req as IncomingMessage & { err?: unknown; ingestProblems?: string[] };
  if (!all && !err && !ingestProblems) return;
  const ms = performance.now() - started;
  // Device tokens are credentials: never write them to the log.
  const logged = path.replace(/(\/device\/)[^/]+/, '$1<token>');
  // A response cut after its headers went out (a failed or abandoned stream) says so.
  const cut = res.headersSent && !res.writableFinished ? true : undefined;
  const line = { method: req.method, path: logged, status: res.statusCode, ms: Math.round(ms * 100) / 100, cut, err, ingestProblems };
  if (err) log.error(line, 'request');
  else if (ingestProblems) log.warn(line, 'request');
  else log.info(line, 'request');
}

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
  const store = openStore(config.db, { agentCacheHosts: config.agentCacheHosts });
  const agentLog = createAgentLogFiles(config.osqueryLogDir, (err) => log.error({ err }, 'writing agent logs failed'));
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
    sessionTtlSeconds: config.sessionDuration,
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
  const observe = (route: string, method: string, status: number, seconds: number) => metrics.requests.observe(route, method, status, seconds);
  const rest = createRestHandler(deps, restRoutes, observe);
  const resultsSockets = createResultsSockets(deps, {
    inc: (protocol) => metrics.openSockets.inc({ protocol }),
    dec: (protocol) => metrics.openSockets.dec({ protocol }),
  });
  const yoga = createGraphQL(deps, log);

  const OPS_PATHS = new Set(['/healthz', '/metrics']);
  const ops = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (path === '/healthz') {
      try {
        await store.ping();
        sendJson(res, 200, { status: 'ok' });
      } catch (err) {
        log.error({ err }, 'health check failed');
        sendJson(res, 503, { status: 'unavailable' });
      }
      return;
    }
    if (config.metricsToken && !sameSecret(req.headers.authorization ?? '', `Bearer ${config.metricsToken}`)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
      return;
    }
    const body = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
  };

  const dispatch = async (req: IncomingMessage, res: ServerResponse, url: RequestTarget): Promise<void> => {
    const path = url.pathname;
    if (OPS_PATHS.has(path)) return ops(req, res, path);
    if (resultsSockets.handleRequest(req, res, path)) return;
    if (path === '/graphql' || path.startsWith('/graphql/')) {
      const started = performance.now();
      if (await readGraphQLBody(req, res)) await yoga(req, res);
      observe('/graphql', req.method ?? 'GET', res.statusCode, (performance.now() - started) / 1000);
      return;
    }
    return rest(req, res, url);
  };

  const everyRequest = log.isLevelEnabled('info');
  /** One request, start to end. A handler's failure is answered with a 500 here, never left to reject. */
  const serve = async (req: IncomingMessage, res: ServerResponse, url: RequestTarget, started: number): Promise<void> => {
    try {
      await dispatch(req, res, url);
    } catch (err) {
      log.error({ err }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
      else res.destroy();
      return;
    }
    if (!everyRequest) logRequest(log, req, res, url.pathname, started, false);
  };

  const server = createServer((req, res) => {
    const started = performance.now();
    const url = requestTarget(req);
    if (!url) {
      sendJson(res, 400, { message: 'Bad request', errors: [{ name: 'base', reason: 'malformed request target' }] });
      return;
    }
    // A listener per request only when every request is logged ('close': a cut response never
    // finishes); otherwise failures and ingest problems, which the handler records on the
    // request, are logged once it is done.
    if (everyRequest) res.once('close', () => logRequest(log, req, res, url.pathname, started, true));
    void serve(req, res, url, started);
  });

  const { wss: graphqlWss, dispose: disposeGraphqlWs } = createGraphQLWs(yoga, deps);
  graphqlWss.on('connection', (ws) => {
    metrics.openSockets.inc({ protocol: 'graphql-ws' });
    ws.once('close', () => metrics.openSockets.dec({ protocol: 'graphql-ws' }));
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = requestTarget(req)?.pathname;
    if (path === undefined) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
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
        await disposeGraphqlWs();
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
