/**
 * Real clients of Fleet's results sockets for e2e tests: the plain WebSocket (`ws`), sockjs-client
 * forced to one transport, and a raw `ws` speaking to SockJS's framed websocket. Everything a client
 * receives is queued in an `Inbox` that tests wait on with bounded waits (no sleeps).
 */
import SockJS from 'sockjs-client';
import WebSocket from 'ws';

export type CloseInfo = { code: number; reason: string };

/**
 * Messages in arrival order. `waitFor` takes the first not-yet-taken message that matches, and
 * with it every message before it, so successive waits assert order. `received` keeps them all.
 */
export class Inbox<T> {
  readonly received: T[] = [];
  closeInfo: CloseInfo | undefined;
  private cursor = 0;
  private readonly waiters = new Set<() => void>();

  push(message: T): void {
    this.received.push(message);
    this.poke();
  }

  close(info: CloseInfo): void {
    this.closeInfo ??= info;
    this.poke();
  }

  /** Messages not taken yet. */
  get pending(): T[] {
    return this.received.slice(this.cursor);
  }

  private poke(): void {
    for (const w of [...this.waiters]) w();
  }

  private wait<R>(check: () => R | undefined, timeoutMs: number, what: string): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const attempt = (): boolean => {
        let value: R | undefined;
        try {
          value = check();
        } catch (err) {
          done();
          reject(err instanceof Error ? err : new Error(String(err)));
          return true;
        }
        if (value === undefined) return false;
        done();
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${this.describe()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(listener);
      };
      const listener = () => void attempt();
      this.waiters.add(listener);
      attempt();
    });
  }

  private describe(): string {
    const close = this.closeInfo ? `closed ${JSON.stringify(this.closeInfo)}` : 'open';
    return `${close}; received ${JSON.stringify(this.received).slice(0, 3000)}`;
  }

  /** The first untaken message matching `predicate`; fails at the timeout or once the socket closed without it. */
  waitFor(predicate: (message: T) => boolean, timeoutMs = 5000, what = 'a matching message'): Promise<T> {
    return this.wait(
      () => {
        const at = this.received.findIndex((m, i) => i >= this.cursor && predicate(m));
        if (at >= 0) {
          this.cursor = at + 1;
          return this.received[at] as T;
        }
        if (this.closeInfo) throw new Error(`socket closed while waiting for ${what}; ${this.describe()}`);
        return undefined;
      },
      timeoutMs,
      what,
    );
  }

  /** The next untaken message, whatever it is. */
  next(timeoutMs = 5000): Promise<T> {
    return this.waitFor(() => true, timeoutMs, 'the next message');
  }

  /** Resolves with how the socket closed. */
  closed(timeoutMs = 5000): Promise<CloseInfo> {
    return this.wait(() => this.closeInfo, timeoutMs, 'the socket to close');
  }
}

/** A message of Fleet's results protocol. */
export type FleetMessage = { type: string; data: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

export type SockJsTransport = 'websocket' | 'xhr-streaming' | 'xhr-polling' | 'eventsource';
export const SOCKJS_TRANSPORTS: SockJsTransport[] = ['websocket', 'xhr-streaming', 'xhr-polling', 'eventsource'];

/** How a results client connects: Fleet's plain WebSocket under an API version, or SockJS with one transport. */
export type ResultsTransport = { kind: 'raw'; version: string } | { kind: 'sockjs'; transport: SockJsTransport; version: string };

export const transportName = (t: ResultsTransport): string =>
  t.kind === 'raw' ? `raw websocket /api/${t.version}/fleet/results/websocket` : `sockjs ${t.transport} /api/${t.version}/fleet/results`;

export type ResultsClient = {
  /** Parsed messages; a frame that is not one JSON object arrives as `{type: "<unparsable>", data: <text>}`. */
  inbox: Inbox<FleetMessage>;
  /** The text of every message as received. */
  frames: string[];
  /** Sends a string as is, anything else as its JSON. */
  send(message: unknown): void;
  close(): void;
};

const open = new Set<{ close(): void }>();

/** Closes every socket the helpers opened (call after each test, so the server can stop quickly). */
export function closeAllSockets(): void {
  for (const c of [...open]) c.close();
  open.clear();
}

const wsBase = (url: string) => url.replace(/^http/, 'ws');

function parse(text: string): FleetMessage {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as FleetMessage).type === 'string') {
      return value as FleetMessage;
    }
  } catch {
    /* reported below */
  }
  return { type: '<unparsable>', data: text };
}

/** Connects and resolves once the socket is open. */
export function connectResults(url: string, transport: ResultsTransport, timeoutMs = 5000): Promise<ResultsClient> {
  return transport.kind === 'raw' ? connectRaw(url, transport.version, timeoutMs) : connectSockJs(url, transport.transport, transport.version, timeoutMs);
}

function connectRaw(url: string, version: string, timeoutMs: number): Promise<ResultsClient> {
  const inbox = new Inbox<FleetMessage>();
  const frames: string[] = [];
  const ws = new WebSocket(`${wsBase(url)}/api/${version}/fleet/results/websocket`);
  const client: ResultsClient = {
    inbox,
    frames,
    send: (m) => ws.send(typeof m === 'string' ? m : JSON.stringify(m)),
    close: () => ws.close(),
  };
  open.add(client);
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? `<binary ${String(data)}>` : String(data);
    frames.push(text);
    inbox.push(parse(text));
  });
  ws.on('close', (code, reason) => {
    open.delete(client);
    inbox.close({ code, reason: String(reason) });
  });
  ws.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('raw websocket did not open')), timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(client);
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function connectSockJs(url: string, transport: SockJsTransport, version: string, timeoutMs: number): Promise<ResultsClient> {
  const inbox = new Inbox<FleetMessage>();
  const frames: string[] = [];
  const sock = new SockJS(`${url}/api/${version}/fleet/results`, undefined, { transports: [transport] });
  const client: ResultsClient = {
    inbox,
    frames,
    send: (m) => sock.send(typeof m === 'string' ? m : JSON.stringify(m)),
    close: () => sock.close(),
  };
  open.add(client);
  let opened = false;
  sock.onmessage = (e) => {
    const text = String(e.data);
    frames.push(text);
    inbox.push(parse(text));
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sockjs ${transport} did not open`)), timeoutMs);
    sock.onopen = () => {
      opened = true;
      clearTimeout(timer);
      resolve(client);
    };
    sock.onclose = (e) => {
      open.delete(client);
      inbox.close({ code: e.code, reason: e.reason });
      if (!opened) {
        clearTimeout(timer);
        reject(new Error(`sockjs ${transport} closed before opening: ${e.code} ${e.reason}`));
      }
    };
  });
}

/** A raw `ws` client on any path (e.g. SockJS's framed websocket); every text frame as received. */
export type RawFramesClient = {
  inbox: Inbox<string>;
  send(text: string): void;
  close(): void;
  /** Stops (and restarts) reading the socket, as a reader too slow to keep up would. */
  pause(): void;
  resume(): void;
};

export function connectRawFrames(url: string, path: string, timeoutMs = 5000): Promise<RawFramesClient> {
  const inbox = new Inbox<string>();
  const ws = new WebSocket(`${wsBase(url)}${path}`);
  const client: RawFramesClient = { inbox, send: (text) => ws.send(text), close: () => ws.close(), pause: () => ws.pause(), resume: () => ws.resume() };
  open.add(client);
  ws.on('message', (data) => inbox.push(String(data)));
  ws.on('close', (code, reason) => {
    open.delete(client);
    inbox.close({ code, reason: String(reason) });
  });
  ws.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`websocket ${path} did not open`)), timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(client);
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

export const isType =
  (type: string, where: (data: any) => boolean = () => true) => // eslint-disable-line @typescript-eslint/no-explicit-any
  (m: FleetMessage): boolean =>
    m.type === type && where(m.data);
