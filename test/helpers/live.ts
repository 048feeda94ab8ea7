/**
 * Real clients for watching campaigns: graphql-ws, GraphQL over SSE, Fleet's raw results WebSocket
 * and SockJS. Each collects what it receives in a `Stream` that tests wait on.
 */
import { createClient, type Client } from 'graphql-ws';
import SockJS from 'sockjs-client';
import WebSocket from 'ws';

/** Items received in order, and how the stream ended (if it did). */
export class Stream<T> {
  readonly items: T[] = [];
  ended = false;
  /** What ended it abnormally: an error payload, a close event or an exception. */
  failure: unknown;
  private waiters: (() => void)[] = [];

  push(item: T): void {
    this.items.push(item);
    this.poke();
  }

  end(failure?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = failure;
    this.poke();
  }

  private poke(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once `done` holds for the items so far; rejects (naming what was seen) after `timeoutMs`. */
  async until(done: (items: T[], ended: boolean) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<T[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.items, this.ended)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${what}; ended=${this.ended} failure=${JSON.stringify(this.failure)} items=${JSON.stringify(this.items).slice(0, 2000)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.items;
  }

  /** Resolves once the stream ended. */
  closed(timeoutMs = 10_000): Promise<T[]> {
    return this.until((_, ended) => ended, timeoutMs, 'the stream to end');
  }
}

export type GqlError = { message: string; path?: string[]; extensions?: { code?: string; invalid?: { name: string; reason: string }[] } };
/** One execution result of a subscription. */
export type Next = { data?: { campaignEvents: CampaignEvent } | null; errors?: GqlError[] };

export type CampaignEvent =
  | { __typename: 'CampaignTotals'; count: number; online: number; offline: number; missingInAction: number }
  | { __typename: 'CampaignStatus'; expectedResults: number; actualResults: number; status: string }
  | { __typename: 'CampaignResult'; cursor: string; host: { id: string; hostname: string }; rows: Record<string, unknown>[]; error: string | null }
  | { __typename: 'CampaignError'; message: string };

export type ResultEvent = Extract<CampaignEvent, { __typename: 'CampaignResult' }>;

export const CAMPAIGN_EVENTS = `subscription ($id: ID!, $after: String) {
  campaignEvents(campaignId: $id, after: $after) {
    __typename
    ... on CampaignTotals { count online offline missingInAction }
    ... on CampaignStatus { expectedResults actualResults status }
    ... on CampaignResult { cursor host { id hostname } rows error }
    ... on CampaignError { message }
  }
}`;

/** The events of a subscription's items (items carrying errors are skipped). */
export const eventsOf = (items: Next[]): CampaignEvent[] => items.flatMap((i) => (i.data?.campaignEvents ? [i.data.campaignEvents] : []));
export const resultsOf = (items: Next[]): ResultEvent[] =>
  eventsOf(items).filter((e): e is ResultEvent => e.__typename === 'CampaignResult');

export type WsOptions = {
  connectionParams?: Record<string, unknown>;
  /** Headers of the upgrade request. */
  headers?: Record<string, string>;
  /** Receives each underlying socket as it is created. */
  onSocket?: (ws: WebSocket) => void;
};

/** A graphql-ws client against the app's /graphql. */
export function graphqlWsClient(url: string, opts: WsOptions = {}): Client {
  class Socket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers: opts.headers });
      opts.onSocket?.(this);
    }
  }
  return createClient({
    url: `${url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: Socket,
    retryAttempts: 0,
    lazy: true,
    ...(opts.connectionParams ? { connectionParams: opts.connectionParams } : {}),
  });
}

/** Subscribes over graphql-ws; `stop()` unsubscribes (the client stays usable). */
export function wsSubscribe(client: Client, query: string, variables: Record<string, unknown>): Stream<Next> & { stop(): void } {
  const stream = new Stream<Next>() as Stream<Next> & { stop(): void };
  stream.stop = client.subscribe<Next['data']>(
    { query, variables },
    {
      next: (value) => stream.push(value as Next),
      error: (err) => stream.end(Array.isArray(err) ? { errors: err } : err instanceof Error ? err.message : { close: (err as { code?: number }).code ?? err }),
      complete: () => stream.end(),
    },
  );
  return stream;
}

/** Subscribes to a campaign's events over a fresh graphql-ws client authenticated by token. */
export function watchOverWs(url: string, token: string, campaignId: string | number, after?: string) {
  const client = graphqlWsClient(url, { connectionParams: { token } });
  const stream = wsSubscribe(client, CAMPAIGN_EVENTS, { id: String(campaignId), ...(after ? { after } : {}) });
  return Object.assign(stream, { dispose: () => client.dispose() });
}

/** The error payload a graphql-ws subscription ended with. */
export const wsErrorsOf = (s: Stream<Next>): GqlError[] | undefined => (s.failure as { errors?: GqlError[] } | undefined)?.errors;

/**
 * GraphQL over SSE (POST /graphql, `accept: text/event-stream`): parses `event:`/`data:` blocks and
 * counts `:` comment lines (keepalives).
 */
export function sseSubscribe(
  url: string,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown>,
): Stream<Next> & { comments: number; status: Promise<number>; stop(): void } {
  const stream = new Stream<Next>() as Stream<Next> & { comments: number; status: Promise<number>; stop(): void };
  stream.comments = 0;
  const abort = new AbortController();
  stream.stop = () => abort.abort();
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal: abort.signal });
  stream.status = response.then((r) => r.status);
  void (async () => {
    const res = await response;
    if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      stream.push((await res.json()) as Next);
      return stream.end();
    }
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let at: number;
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) stream.comments += 1;
          else if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (event === 'next') stream.push(JSON.parse(data.join('\n')) as Next);
        else if (event === 'complete') return stream.end();
      }
    }
    stream.end('closed without complete');
  })().catch((err: unknown) => stream.end(abort.signal.aborted ? undefined : String(err)));
  return stream;
}

/** A message of Fleet's results protocol. */
export type FleetFrame = { type: string; data: unknown };
export type FleetResult = { distributed_query_execution_id: number; host: { id: number; hostname: string; display_name: string }; rows: Record<string, unknown>[]; error: string | null };

/** Fleet's plain results WebSocket: auth, select_campaign, then one JSON message per frame. */
export function watchOverRawWs(url: string, token: string, campaignId: number): Stream<FleetFrame> & { close(): void } {
  const stream = new Stream<FleetFrame>() as Stream<FleetFrame> & { close(): void };
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/v1/fleet/results/websocket`);
  stream.close = () => ws.close();
  ws.on('open', () => {
    ws.send(JSON.stringify({ type: 'auth', data: { token } }));
    ws.send(JSON.stringify({ type: 'select_campaign', data: { campaign_id: campaignId } }));
  });
  ws.on('message', (data) => stream.push(JSON.parse(String(data)) as FleetFrame));
  ws.on('error', (err) => stream.end(err.message));
  ws.on('close', () => stream.end());
  return stream;
}

/** The same conversation over SockJS (sockjs-client, websocket transport only). */
export function watchOverSockJs(url: string, token: string, campaignId: number): Stream<FleetFrame> & { close(): void } {
  const stream = new Stream<FleetFrame>() as Stream<FleetFrame> & { close(): void };
  const sock = new SockJS(`${url}/api/v1/fleet/results`, undefined, { transports: ['websocket'] });
  stream.close = () => sock.close();
  sock.onopen = () => {
    sock.send(JSON.stringify({ type: 'auth', data: { token } }));
    sock.send(JSON.stringify({ type: 'select_campaign', data: { campaign_id: campaignId } }));
  };
  sock.onmessage = (e) => stream.push(JSON.parse(String(e.data)) as FleetFrame);
  sock.onclose = (e) => stream.end(e.code === 1000 ? undefined : { code: e.code, reason: e.reason });
  return stream;
}

/** Reads one gauge or counter (summed over its label sets) from /metrics. */
export async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}
