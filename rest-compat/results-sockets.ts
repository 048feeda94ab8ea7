/**
 * The two ways legacy clients watch campaign results: a plain WebSocket at
 * /api/<v>/fleet/results/websocket (one JSON object per text frame, pings as keepalive) and SockJS
 * under /api/<v>/fleet/results with every transport the sockjs package serves.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import sockjs from 'sockjs';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Deps } from '../resolvers/context.js';
import { openResultsSession, type ResultsSocket } from './results-session.js';
import { holdWrites, sendBehind } from '../socket-send.js';
import { cacheSockjsQuoting } from './sockjs-quote.js';

const PREFIXES = ['/api/v1/fleet/results', '/api/2022-04/fleet/results', '/api/latest/fleet/results'];
const PING_MS = 25_000;
const MAX_CLIENT_BYTES = 1024 * 1024;
/** Bytes a SockJS session may hold unsent before its sender waits. */
const MAX_SOCKJS_BACKLOG = 1024 * 1024;

type Writable = { writableLength?: number; destroy?: () => void; cork?: () => void; uncork?: () => void };
type SockjsInternals = { _session?: { send_buffer?: string[]; recv?: { response?: Writable; connection?: Writable } } };

/**
 * What a SockJS session holds unsent: its queue (polling) plus what its transport's stream has not
 * yet handed to the kernel: the HTTP response (streaming transports) or, over SockJS's WebSocket
 * transport, the upgraded socket itself (faye-websocket writes every frame to it at once).
 */
function sockjsBacklog(conn: unknown): number {
  const session = (conn as SockjsInternals)._session;
  const queued = session?.send_buffer?.reduce((n, s) => n + s.length, 0) ?? 0;
  const recv = session?.recv;
  return queued + (recv?.response?.writableLength ?? recv?.connection?.writableLength ?? 0);
}

/** The stream a SockJS session's transport writes to now: its HTTP response, or its upgraded socket. */
function sockjsStream(conn: sockjs.Connection): Writable | undefined {
  const recv = (conn as unknown as SockjsInternals)._session?.recv;
  return recv?.response ?? recv?.connection;
}

/** Closes a SockJS session and destroys its transport's stream, whose close frame could wait forever behind a full buffer. */
function sockjsTerminate(conn: sockjs.Connection): void {
  // Taken before close(), which detaches the stream from the session.
  const stream = sockjsStream(conn);
  conn.close();
  stream?.destroy?.();
}

type SockjsHandler = (req: IncomingMessage, resOrSocket: ServerResponse | Duplex, head?: Buffer) => boolean;

export type ResultsSockets = {
  /** Serves SockJS's HTTP transports; false when the path is not under a results prefix. */
  handleRequest(req: IncomingMessage, res: ServerResponse, path: string): boolean;
  /** Takes WebSocket upgrades under the results prefixes; false when the path is not one. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, path: string): boolean;
  close(): void;
};

export function createResultsSockets(deps: Deps, counter: { inc(p: string): void; dec(p: string): void }): ResultsSockets {
  const raw = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  const pinger = setInterval(() => {
    for (const ws of raw.clients) {
      const alive = ws as WebSocket & { alive?: boolean };
      if (alive.alive === false) ws.terminate();
      else {
        alive.alive = false;
        ws.ping();
      }
    }
  }, PING_MS);
  pinger.unref();

  raw.on('connection', (ws: WebSocket & { alive?: boolean }, req: IncomingMessage) => {
    counter.inc('websocket');
    ws.alive = true;
    ws.on('pong', () => (ws.alive = true));
    // Protocol errors (a frame over maxPayload, bad framing): ws closes the socket itself.
    ws.on('error', () => undefined);
    const socket: ResultsSocket = {
      send: (text) =>
        new Promise((resolve) => {
          if (ws.readyState !== ws.OPEN) return resolve();
          sendBehind(ws, (t, cb) => ws.send(t, cb), text, resolve);
        }),
      close: () => ws.close(1000),
      terminate: () => ws.terminate(),
    };
    const session = openResultsSession(deps, socket, req.socket.remoteAddress ?? 'unknown');
    ws.on('message', (data, isBinary) => session.onMessage(isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString()));
    ws.once('close', () => {
      counter.dec('websocket');
      session.onClose();
    });
  });

  cacheSockjsQuoting();
  // Open SockJS connections, closed on shutdown (the HTTP server does not track upgraded sockets).
  const sockjsConns = new Set<sockjs.Connection>();
  const handlers: SockjsHandler[] = PREFIXES.map((prefix) => {
    const server = sockjs.createServer({
      prefix,
      log: () => undefined,
      disconnect_delay: 5000,
      heartbeat_delay: 25_000,
      // Client frames are small JSON messages; refuse big ones at the WebSocket layer too.
      faye_server_options: { maxLength: MAX_CLIENT_BYTES },
    } as sockjs.ServerOptions);
    server.on('connection', (conn) => {
      if (!conn) return;
      sockjsConns.add(conn);
      counter.inc('sockjs');
      const socket: ResultsSocket = {
        send: async (text) => {
          if (conn.readyState !== 1) return;
          const stream = sockjsStream(conn);
          if (stream?.cork && stream.uncork) holdWrites(stream as Required<Pick<Writable, 'cork' | 'uncork'>>);
          conn.write(text);
          // SockJS queues without limit for a slow reader; wait here instead, so the reader falls
          // behind in the shared result log (where the lag rule drops it) and not in memory.
          while (conn.readyState === 1 && sockjsBacklog(conn) > MAX_SOCKJS_BACKLOG) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        },
        close: () => conn.close(),
        terminate: () => sockjsTerminate(conn),
      };
      const session = openResultsSession(deps, socket, conn.remoteAddress ?? 'unknown');
      conn.on('data', (message: string) => session.onMessage(message));
      conn.once('close', () => {
        sockjsConns.delete(conn);
        counter.dec('sockjs');
        session.onClose();
      });
    });
    // listener() is public on sockjs.Server but missing from its type declarations.
    return (server as unknown as { listener(): { getHandler(): SockjsHandler } }).listener().getHandler();
  });

  const under = (path: string) => PREFIXES.some((p) => path.startsWith(p) && (path.length === p.length || path[p.length] === '/'));

  return {
    handleRequest(req, res, path) {
      if (!under(path)) return false;
      // sockjs buffers a POST body whole (and re-copies it per chunk): cap it before it reads.
      if (req.method === 'POST') {
        let size = 0;
        req.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_CLIENT_BYTES) req.destroy();
        });
      }
      for (const h of handlers) if (h(req, res)) return true;
      return false;
    },
    handleUpgrade(req, socket, head, path) {
      // Exactly <prefix>/websocket is the plain socket; <prefix>/<server>/<session>/websocket is SockJS's.
      if (PREFIXES.some((p) => path === `${p}/websocket`)) {
        raw.handleUpgrade(req, socket, head, (ws) => raw.emit('connection', ws, req));
        return true;
      }
      if (!under(path)) return false;
      for (const h of handlers) if (h(req, socket, head)) return true;
      return false;
    },
    close() {
      clearInterval(pinger);
      for (const ws of raw.clients) ws.terminate();
      for (const conn of sockjsConns) conn.close('1001', 'Going away');
    },
  };
}
