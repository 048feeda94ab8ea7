/**
 * Campaign subscribers over the real clients: graphql-ws (the `campaignEvents` subscription),
 * Fleet's plain WebSocket and SockJS results protocols, and plain `ws` on the baseline relay. Each
 * tallies results and rows, and the agent-write → here latency of every result from its rows'
 * `sent_at` (set by the simulated agent just before it sent the write).
 */
import { createClient } from 'graphql-ws';
import SockJS from 'sockjs-client';
import { WebSocket } from 'ws';

export type Kind = 'graphql-ws' | 'websocket' | 'sockjs' | 'relay';

export type Subscriber = {
  kind: Kind;
  results: number;
  rows: number;
  /** ms from the agent's write to this subscriber, one per result. */
  latencies: number[];
  /** Date.now() of the last result. */
  lastAt: number;
  /** Date.now() when a status `finished` arrived. */
  finishedAt?: number;
  /** The first error event or transport error. */
  error?: string;
  closed: boolean;
  /** Resolves on the first message (or failure), i.e. once the subscription is in place. */
  ready: Promise<void>;
  close(): void;
};

type Row = { sent_at?: string };

const SUBSCRIPTION = `subscription Events($id: ID!) {
  campaignEvents(campaignId: $id) {
    __typename
    ... on CampaignResult { host { id hostname } rows error }
    ... on CampaignStatus { status expectedResults actualResults }
    ... on CampaignError { message }
  }
}`;

function tally(kind: Kind): { sub: Omit<Subscriber, 'ready' | 'close'>; ready: Promise<void>; markReady: () => void } {
  let markReady = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  return { sub: { kind, results: 0, rows: 0, latencies: [], lastAt: 0, closed: false }, ready, markReady };
}

function onRows(s: Omit<Subscriber, 'ready' | 'close'>, rows: Row[]): void {
  const now = Date.now();
  s.results += 1;
  s.rows += rows.length;
  s.lastAt = now;
  const sent = Number(rows[0]?.sent_at);
  if (sent > 0) s.latencies.push(now - sent);
}

const wsUrl = (url: string) => url.replace(/^http/, 'ws');

export function graphqlWsSubscriber(url: string, token: string, campaignId: number, impl: typeof WebSocket = WebSocket): Subscriber {
  const { sub, ready, markReady } = tally('graphql-ws');
  const client = createClient({ url: `${wsUrl(url)}/graphql`, webSocketImpl: impl, connectionParams: { token }, retryAttempts: 0, lazy: true });
  type Event = { __typename: string; rows?: Row[]; status?: string; message?: string };
  client.subscribe<{ campaignEvents: Event }>(
    { query: SUBSCRIPTION, variables: { id: String(campaignId) } },
    {
      next(msg) {
        markReady();
        const e = msg.data?.campaignEvents;
        if (!e) {
          sub.error ??= JSON.stringify(msg.errors ?? msg);
          return;
        }
        if (e.__typename === 'CampaignResult') onRows(sub, e.rows ?? []);
        else if (e.__typename === 'CampaignStatus' && e.status === 'finished') sub.finishedAt ??= Date.now();
        else if (e.__typename === 'CampaignError') sub.error ??= e.message;
      },
      error(err) {
        sub.error ??= err instanceof Error ? err.message : `closed ${(err as { code?: number }).code ?? ''} ${(err as { reason?: string }).reason ?? ''}`.trim();
        sub.closed = true;
        markReady();
      },
      complete() {
        sub.closed = true;
        markReady();
      },
    },
  );
  return Object.assign(sub, { ready, close: () => void client.dispose() });
}

type FleetMessage = { type?: string; data?: { rows?: Row[]; status?: string } | string };

function fleetMessage(sub: Omit<Subscriber, 'ready' | 'close'>, text: string, markReady: () => void): void {
  markReady();
  const msg = JSON.parse(text) as FleetMessage;
  const data = msg.data;
  if (msg.type === 'result' && typeof data === 'object') onRows(sub, data.rows ?? []);
  else if (msg.type === 'status' && typeof data === 'object' && data.status === 'finished') sub.finishedAt ??= Date.now();
  else if (msg.type === 'error') sub.error ??= String(data);
}

const hello = (token: string, campaignId: number) => [
  JSON.stringify({ type: 'auth', data: { token } }),
  JSON.stringify({ type: 'select_campaign', data: { campaign_id: campaignId } }),
];

/** Fleet's plain WebSocket results protocol at /api/v1/fleet/results/websocket. */
export function websocketSubscriber(url: string, token: string, campaignId: number): Subscriber {
  const { sub, ready, markReady } = tally('websocket');
  const ws = new WebSocket(`${wsUrl(url)}/api/v1/fleet/results/websocket`);
  ws.on('open', () => hello(token, campaignId).forEach((m) => ws.send(m)));
  ws.on('message', (data) => fleetMessage(sub, data.toString(), markReady));
  ws.on('error', (err) => {
    sub.error ??= err.message;
    markReady();
  });
  ws.on('close', () => {
    sub.closed = true;
    markReady();
  });
  return Object.assign(sub, { ready, close: () => ws.terminate() });
}

/** Fleet's SockJS results protocol under /api/v1/fleet/results (sockjs-client picks the transport). */
export function sockjsSubscriber(url: string, token: string, campaignId: number): Subscriber {
  const { sub, ready, markReady } = tally('sockjs');
  const sock = new SockJS(`${url}/api/v1/fleet/results`);
  sock.onopen = () => hello(token, campaignId).forEach((m) => sock.send(m));
  sock.onmessage = (e: { data: string }) => fleetMessage(sub, e.data, markReady);
  sock.onclose = () => {
    sub.closed = true;
    markReady();
  };
  return Object.assign(sub, { ready, close: () => sock.close() });
}

/** A plain `ws` client of the baseline relay: every text frame is one agent result `{rows}`. */
export function relaySubscriber(url: string): Subscriber {
  const { sub, ready, markReady } = tally('relay');
  const ws = new WebSocket(`${wsUrl(url)}/relay`);
  ws.on('open', markReady);
  ws.on('message', (data) => onRows(sub, (JSON.parse(data.toString()) as { rows: Row[] }).rows));
  ws.on('error', (err) => {
    sub.error ??= err.message;
    markReady();
  });
  ws.on('close', () => {
    sub.closed = true;
  });
  return Object.assign(sub, { ready, close: () => ws.terminate() });
}

/** The mix: 80 % graphql-ws, 10 % plain WebSocket, 10 % SockJS. */
export function subscriberMix(count: number): Kind[] {
  const ws = Math.round(count * 0.1);
  const sockjs = Math.round(count * 0.1);
  return [...Array<Kind>(count - ws - sockjs).fill('graphql-ws'), ...Array<Kind>(ws).fill('websocket'), ...Array<Kind>(sockjs).fill('sockjs')];
}

export function subscribe(kind: Kind, url: string, token: string, campaignId: number): Subscriber {
  switch (kind) {
    case 'graphql-ws':
      return graphqlWsSubscriber(url, token, campaignId);
    case 'websocket':
      return websocketSubscriber(url, token, campaignId);
    case 'sockjs':
      return sockjsSubscriber(url, token, campaignId);
    case 'relay':
      return relaySubscriber(url);
  }
}

/**
 * Waits until every subscriber has `expected()` results, has closed, or nothing arrived anywhere for
 * `stallMs` once `settled()` says no more is coming.
 */
export async function drain(
  subs: Subscriber[],
  expected: () => number,
  settled: () => boolean,
  opts: { stallMs: number; onTick?: (received: number) => void },
): Promise<void> {
  let lastTotal = -1;
  let lastChange = Date.now();
  for (;;) {
    const total = subs.reduce((n, s) => n + s.results, 0);
    opts.onTick?.(total);
    if (total !== lastTotal) {
      lastTotal = total;
      lastChange = Date.now();
    }
    const want = expected();
    if (settled() && subs.every((s) => s.closed || s.results >= want)) return;
    if (settled() && Date.now() - lastChange > opts.stallMs) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
