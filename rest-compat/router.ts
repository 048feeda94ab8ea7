import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import FindMyWay from 'find-my-way';
import type { Ctx, Deps } from '../resolvers/context.js';
import { AuthHeaderRequiredError, AuthRequiredError } from '../resolvers/errors.js';
import { authenticate } from '../resolvers/users.js';
import { encodeError, encodeOsqueryError, methodNotAllowedBody, notFoundBody } from './errors.js';
import { bearerToken, decodeJson, type BodyCheck, readBody, remoteAddress, sendJson, type RequestTarget } from './http.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'HEAD' | 'PUT';

export type RouteRequest<B> = {
  ctx: Ctx;
  params: Record<string, string | undefined>;
  query: URLSearchParams;
  body: B;
  req: IncomingMessage;
  /** Aborted if the client leaves before its answer is sent (made on first use). */
  readonly signal: AbortSignal;
};

export type RouteResult = {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Bytes sent as they are read, instead of a JSON `body`; `headers` must describe them. */
  stream?: Readable;
};

export type Route<B = unknown> = {
  method: Method;
  /** Under every Fleet API version (`/api/{v1,2022-04,latest}/fleet`) unless `absolute`. */
  path: string;
  absolute?: boolean;
  /** Routes are authenticated unless they say otherwise. */
  public?: boolean;
  /** JSON body schema; `'raw'` hands the bytes over undecoded. */
  body?: BodyCheck<B> | 'raw';
  /** osquery's agent API answers errors as `{"error", "node_invalid"}` instead of Fleet's body. */
  errorShape?: 'fleet' | 'osquery';
  handle(r: RouteRequest<B>): Promise<RouteResult>;
};

export const route = <B>(r: Route<B>): Route<unknown> => r as Route<unknown>;

/** A class, not a literal with a getter: made for every request, check-ins included. */
class RoutedRequest<B> implements RouteRequest<B> {
  #left: AbortController | undefined;
  constructor(
    readonly ctx: Ctx,
    readonly params: Record<string, string | undefined>,
    readonly query: URLSearchParams,
    readonly body: B,
    readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {}

  get signal(): AbortSignal {
    if (!this.#left) {
      const left = (this.#left = new AbortController());
      // The client may have left already, while its request was being read or authenticated.
      if (this.res.destroyed && !this.res.writableFinished) left.abort();
      else
        this.res.once('close', () => {
          if (!this.res.writableFinished) left.abort();
        });
    }
    return this.#left.signal;
  }
}

export const FLEET_BASES = ['/api/v1/fleet', '/api/2022-04/fleet', '/api/latest/fleet'] as const;
const METHODS: Method[] = ['GET', 'POST', 'PATCH', 'DELETE', 'HEAD', 'PUT'];

export type RestObserver = (routePattern: string, method: string, status: number, seconds: number) => void;

/** `url` is the request's target, which the server has already parsed. */
export type RestHandler = (req: IncomingMessage, res: ServerResponse, url: RequestTarget) => Promise<void>;

/** Builds Fleet's route table into one request handler that answers in Fleet's JSON shapes. */
export function createRestHandler(deps: Deps, routes: Route[], observe: RestObserver): RestHandler {
  type Found = { store: { route: Route; pattern: string }; params: Record<string, string | undefined> };
  const router = FindMyWay({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true });
  // Paths without parameters are also looked up as they are: every agent check-in has one, and
  // the router's tree walk was 1.6 % of an empty check-in. A hit is the router's answer too, since
  // it prefers a static route to a parametric one; trailing-slash, doubled-slash and encoded
  // variants miss the map and go to the router, which normalizes them.
  const exact = new Map<string, Map<string, Found['store']>>();
  for (const r of routes) {
    for (const path of r.absolute ? [r.path] : FLEET_BASES.map((b) => b + r.path)) {
      const store = { route: r, pattern: r.absolute ? r.path : `/api/:version/fleet${r.path}` };
      router.on(r.method, path, () => undefined, store);
      if (!/[:*]/.test(path)) exact.set(path, (exact.get(path) ?? new Map()).set(r.method, store));
    }
  }
  const find = (method: string, path: string): Found | null => {
    const store = exact.get(path)?.get(method);
    if (store) return { store, params: {} };
    const found = router.find(method as Method, path);
    return found && { store: found.store as Found['store'], params: found.params };
  };

  return async (req, res, url) => {
    const started = performance.now();
    // Node's parser gives methods in upper case.
    const method = (req.method ?? 'GET') as Method;
    const found = find(method, url.pathname);
    let pattern = 'unmatched';
    let status = 500;
    let errorShape: Route['errorShape'] = 'fleet';
    try {
      if (!found) {
        const allowed = METHODS.some((m) => m !== method && find(m, url.pathname));
        status = allowed ? 405 : 404;
        sendJson(res, status, allowed ? methodNotAllowedBody() : notFoundBody());
        return;
      }
      pattern = found.store.pattern;
      const r = found.store.route;
      errorShape = r.errorShape;
      const body = r.body === undefined ? undefined : r.body === 'raw' ? await readBody(req) : decodeJson(await readBody(req), r.body);
      const ctx: Ctx = { deps, viewer: null, remoteAddress: remoteAddress(req) };
      if (!r.public) {
        const token = bearerToken(req);
        if (!token) throw new AuthHeaderRequiredError();
        ctx.viewer = await authenticate(ctx, token);
        if (!ctx.viewer) throw new AuthRequiredError();
      } else {
        const token = bearerToken(req);
        if (token) ctx.viewer = await authenticate(ctx, token);
      }
      const result = await r.handle(new RoutedRequest(ctx, found.params, url.searchParams, body, req, res));
      status = result.status ?? 200;
      if (result.stream) {
        res.writeHead(status, result.headers);
        // A failure mid-stream reaches the catch below with headers sent, which cuts the connection.
        await pipeline(result.stream, res);
      } else if (result.body === undefined) {
        res.writeHead(status, result.headers);
        res.end();
      } else sendJson(res, status, result.body, result.headers);
    } catch (err) {
      const e = errorShape === 'osquery' ? encodeOsqueryError(err) : encodeError(err);
      status = e.status;
      // A client that leaves mid-stream (a download cut short) is not a server failure to log.
      const clientLeft = res.headersSent && (err as { code?: unknown } | null)?.code === 'ERR_STREAM_PREMATURE_CLOSE';
      if (status === 500 && !clientLeft) (req as IncomingMessage & { err?: unknown }).err = err;
      if (!res.headersSent) sendJson(res, e.status, e.body, e.headers);
      else res.destroy();
    } finally {
      observe(pattern, method, status, (performance.now() - started) / 1000);
    }
  };
}
