/**
 * Fleet's results sockets with real clients (fleet-behavior.md §5, §11 #57-#70): the plain
 * WebSocket at /api/<v>/fleet/results/websocket and sockjs-client forced to each transport it can
 * use in Node. Hosts enroll and answer over the osquery API; nothing is mocked. Fleetgraph pushes
 * status the moment it changes (Fleet: a 5 s ticker), so `finished` is awaited for at most 2 s.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { testClock } from '../helpers/agents.js';
import { gqlClient, restClient, userToken } from '../helpers/clients.js';
import { watchOverWs } from '../helpers/live.js';
import { startApp, type TestApp } from '../helpers/harness.js';
import {
  answerLive,
  enrollHost,
  enrollOfflineHost,
  liveName,
  liveQueries,
  metricValue,
  runCampaign,
  untilMetric,
  type LiveHost,
} from '../helpers/live-hosts.js';
import {
  closeAllSockets,
  connectRawFrames,
  connectResults,
  isType,
  SOCKJS_TRANSPORTS,
  transportName,
  type FleetMessage,
  type ResultsClient,
  type ResultsTransport,
} from '../helpers/sockets.js';

/** Fleetgraph pushes status as it changes; Fleet would take up to 5 s. */
const PUSHED_MS = 2000;

const TRANSPORTS: ResultsTransport[] = [
  { kind: 'raw', version: 'v1' },
  { kind: 'raw', version: 'latest' },
  ...SOCKJS_TRANSPORTS.map((transport): ResultsTransport => ({ kind: 'sockjs', transport, version: 'v1' })),
];

const clock = testClock();
let t: TestApp;
let h1: LiveHost;
let h3: LiveHost;
/** Offline for the whole file: it never checks in again. */
let stale: LiveHost;
/** Never targeted by any campaign. */
let outsider: LiveHost;
let maintainerToken: string;
let gitopsToken: string;

const auth = (token: string) => ({ type: 'auth', data: { token } });
const select = (campaignId: number) => ({ type: 'select_campaign', data: { campaign_id: campaignId } });
const error = (data: string) => ({ type: 'error', data });
const totals = (count: number, online: number, offline: number) => ({
  type: 'totals',
  data: { count, online, offline, missing_in_action: 0 },
});
const status = (expected: number, actual: number, state: 'pending' | 'finished') => ({
  type: 'status',
  data: { expected_results: expected, actual_results: actual, status: state },
});
const withHost = (host: LiveHost, rows: Record<string, string>[]) =>
  rows.map((r) => ({ ...r, host_hostname: host.name, host_display_name: host.name }));
const result = (campaignId: number, host: LiveHost, rows: Record<string, string>[], err: string | null = null) => ({
  type: 'result',
  data: {
    distributed_query_execution_id: campaignId,
    host: { id: host.id, hostname: host.name, display_name: host.name },
    rows: withHost(host, rows),
    error: err,
  },
});

const isResultOf = (host: LiveHost) => isType('result', (d) => d.host.id === host.id);
const isStatus = (expected: number, actual: number, state: string) =>
  isType('status', (d) => d.expected_results === expected && d.actual_results === actual && d.status === state);

/** Connects and sends auth and select_campaign as two messages, as the seed doc's script does. */
async function watch(transport: ResultsTransport, campaignId: number, token = t.adminToken): Promise<ResultsClient> {
  const client = await connectResults(t.url, transport);
  client.send(auth(token));
  client.send(select(campaignId));
  return client;
}

async function answered(host: LiveHost, campaignId: number, answer: Parameters<typeof answerLive>[3]): Promise<void> {
  const r = await answerLive(t.url, host, campaignId, answer);
  expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
}

beforeAll(async () => {
  t = await startApp({}, { clock: clock.now });
  const r = await restClient(t.url)('POST', '/api/v1/fleet/spec/enroll_secret', { token: t.adminToken, body: { spec: { secrets: [{ secret: 'global' }] } } });
  expect(r.status).toBe(200);
  h1 = await enrollHost(t, 'host1.local');
  h3 = await enrollHost(t, 'host3.local');
  stale = await enrollOfflineHost(t, clock, 'stale.local');
  outsider = await enrollHost(t, 'outsider.local');
  maintainerToken = await userToken(t, 'maint@example.com', { global_role: 'maintainer' });
  gitopsToken = await userToken(t, 'gitops@example.com', { global_role: 'gitops' });
});

afterEach(closeAllSockets);

describe.each(TRANSPORTS.map((tr) => [transportName(tr), tr] as const))('%s', (_name, transport) => {
  describe('errors (§5.3): one error frame, then close', () => {
    it('should close without sending anything when the first message is not auth', async () => {
      const campaignId = await runCampaign(t, [h1.id]);
      for (const first of [select(campaignId), 'not json', { data: { token: t.adminToken } }, 42, []]) {
        const client = await connectResults(t.url, transport);
        client.send(first);
        await client.inbox.closed();
        expect(client.frames).toEqual([]);
      }
    });

    it('should answer "unauthorized" and close for an unknown token (#57)', async () => {
      for (const token of ['nope', '']) {
        const client = await connectResults(t.url, transport);
        client.send(auth(token));
        await client.inbox.closed();
        expect(client.inbox.received).toEqual([error('unauthorized')]);
      }
    });

    const cases: [string, (cid: number) => unknown, string][] = [
      ['an unreadable frame', () => 'not json', 'error reading select_campaign'],
      ['an empty array frame', () => '[]', 'error reading select_campaign'],
      ['another message type', (cid) => ({ type: 'select', data: { campaign_id: cid } }), 'expected select_campaign'],
      ['data that is not an object', () => ({ type: 'select_campaign', data: '12' }), 'error unmarshaling select_campaign data'],
      ['a campaign id that is a string', (cid) => ({ type: 'select_campaign', data: { campaign_id: String(cid) } }), 'error unmarshaling select_campaign data'],
      ['a negative campaign id', () => ({ type: 'select_campaign', data: { campaign_id: -1 } }), 'error unmarshaling select_campaign data'],
      ['campaign id 0 (#59)', () => select(0), '0 is not a valid campaign ID'],
      ['no campaign id', () => ({ type: 'select_campaign', data: {} }), '0 is not a valid campaign ID'],
      ['an unknown campaign id (#60)', () => select(999999), 'cannot find campaign for ID 999999'],
    ];
    it.each(cases)('should refuse select_campaign with %s', async (_what, message, expected) => {
      const campaignId = await runCampaign(t, [h1.id]);
      const client = await connectResults(t.url, transport);
      client.send(auth(t.adminToken));
      client.send(message(campaignId));
      await client.inbox.closed();
      expect(client.inbox.received).toEqual([error(expected)]);
    });

    it('should answer "forbidden" to a user who may not run queries, before looking the campaign up', async () => {
      for (const campaignId of [await runCampaign(t, [h1.id]), 999999]) {
        const client = await watch(transport, campaignId, gitopsToken);
        await client.inbox.closed();
        expect(client.inbox.received).toEqual([error('forbidden')]);
      }
    });

    it("should answer \"forbidden\" for another user's campaign, even to a maintainer (#61)", async () => {
      const campaignId = await runCampaign(t, [h1.id]);
      const client = await watch(transport, campaignId, maintainerToken);
      await client.inbox.closed();
      expect(client.inbox.received).toEqual([error('forbidden')]);
    });
  });

  it('should stream totals, pending, each result as it is written, and finished right after the last online host (#62-#64)', async () => {
    const late = await enrollOfflineHost(t, clock, `late-${transport.kind}-${'transport' in transport ? transport.transport : transport.version}.local`);
    const campaignId = await runCampaign(t, [h1.id, h3.id, late.id]);
    const client = await watch(transport, campaignId);
    expect(await client.inbox.next()).toEqual(totals(3, 2, 1));
    expect(await client.inbox.next()).toEqual(status(2, 0, 'pending'));

    expect(await liveQueries(t.url, h1)).toMatchObject({ [liveName(campaignId)]: 'SELECT 1' });
    await answered(h1, campaignId, [{ a: '1' }]);
    expect(await client.inbox.next()).toEqual(result(campaignId, h1, [{ a: '1' }]));
    expect(await client.inbox.next()).toEqual(status(2, 1, 'pending'));

    await answered(h3, campaignId, [{ a: '3' }, { a: '33' }]);
    expect(await client.inbox.next()).toEqual(result(campaignId, h3, [{ a: '3' }, { a: '33' }]));
    expect(await client.inbox.next(PUSHED_MS)).toEqual(status(2, 2, 'finished'));

    // Finished leaves the socket open: the offline host checks in, answers late, and is still pushed.
    expect(await liveQueries(t.url, late)).toMatchObject({ [liveName(campaignId)]: 'SELECT 1' });
    await answered(late, campaignId, []);
    expect(await client.inbox.waitFor(isResultOf(late))).toEqual(result(campaignId, late, []));
    await client.inbox.waitFor(isStatus(3, 3, 'finished'), 5000, 'status 3/3 finished');
    expect(client.inbox.received).toContainEqual(totals(3, 3, 0));
    expect(client.inbox.received.filter((m) => m.type === 'result')).toHaveLength(3);
    expect(client.inbox.received.filter((m) => m.type === 'error')).toEqual([]);
    expect(client.inbox.closeInfo).toBeUndefined();
    // One JSON object per frame; no SockJS open frame on the plain socket.
    expect(client.frames[0]).not.toBe('o');
    for (const frame of client.frames) expect(JSON.parse(frame)).toEqual(expect.objectContaining({ type: expect.any(String) }));
  });

  it('should report a campaign whose only target is offline as finished with nothing expected (#67)', async () => {
    const campaignId = await runCampaign(t, [stale.id]);
    const client = await watch(transport, campaignId);
    expect(await client.inbox.next()).toEqual(totals(1, 0, 1));
    expect(await client.inbox.next()).toEqual(status(0, 0, 'finished'));
    expect(client.inbox.closeInfo).toBeUndefined();
  });

  it("should push a failed host's message as the result's error, with no rows (#65)", async () => {
    const campaignId = await runCampaign(t, [h1.id], { query: 'SELECT * FROM foo' });
    const client = await watch(transport, campaignId);
    await client.inbox.waitFor(isStatus(1, 0, 'pending'));
    await answered(h1, campaignId, { status: 1, message: 'no such table: foo' });
    expect(await client.inbox.next()).toEqual(result(campaignId, h1, [], 'no such table: foo'));
    expect(await client.inbox.next(PUSHED_MS)).toEqual(status(1, 1, 'finished'));
  });

  it("should stream neither an untargeted host's answer nor a host's second answer", async () => {
    const campaignId = await runCampaign(t, [h1.id, h3.id]);
    const client = await watch(transport, campaignId);
    await client.inbox.waitFor(isStatus(2, 0, 'pending'));
    await answered(outsider, campaignId, [{ who: 'outsider' }]);
    await answered(h1, campaignId, [{ who: 'h1' }]);
    await answered(h1, campaignId, [{ who: 'h1 again' }]);
    await answered(h3, campaignId, [{ who: 'h3' }]);
    await client.inbox.waitFor(isStatus(2, 2, 'finished'), PUSHED_MS, 'status 2/2 finished');
    expect(client.inbox.received.filter((m) => m.type === 'result')).toEqual([
      result(campaignId, h1, [{ who: 'h1' }]),
      result(campaignId, h3, [{ who: 'h3' }]),
    ]);
  });

  it("should serve the seed doc's example script: two sends, JSON.parse on every frame, close on finished", async () => {
    const campaignId = await runCampaign(t, [h1.id]);
    const client = await connectResults(t.url, transport);
    client.send(JSON.stringify({ type: 'auth', data: { token: t.adminToken } }));
    client.send(JSON.stringify({ type: 'select_campaign', data: { campaign_id: campaignId } }));
    await client.inbox.waitFor(isType('status'));
    await answered(h1, campaignId, [{ name: 'osqueryd' }]);
    const finished = await client.inbox.waitFor(isType('status', (d) => d.status === 'finished'), PUSHED_MS + 1000);
    client.close();
    const parsed = client.frames.map((f) => JSON.parse(f) as FleetMessage);
    expect(parsed.map((m) => m.type)).toEqual(['totals', 'status', 'result', 'status']);
    expect(finished.data).toEqual({ expected_results: 1, actual_results: 1, status: 'finished' });
    await client.inbox.closed();
  });

  it('should accept auth and select_campaign together in one array frame, of objects or of JSON strings', async () => {
    for (const frame of [
      (cid: number) => [auth(t.adminToken), select(cid)],
      (cid: number) => [JSON.stringify(auth(t.adminToken)), JSON.stringify(select(cid))],
    ]) {
      const campaignId = await runCampaign(t, [h1.id, stale.id]);
      const client = await connectResults(t.url, transport);
      client.send(JSON.stringify(frame(campaignId)));
      expect(await client.inbox.next()).toEqual(totals(2, 1, 1));
      expect(await client.inbox.next()).toEqual(status(1, 0, 'pending'));
    }
  });

  it('should let a fleetctl-style client exit once totals.count equals status.actual_results', async () => {
    const campaignId = await runCampaign(t, [h1.id, h3.id], { query: 'SELECT version FROM osquery_info' });
    const client = await watch(transport, campaignId);
    // fleetctl query: print each result, stop when every targeted host has responded.
    const printed = (async () => {
      const out: { host: string; rows: unknown[] }[] = [];
      let count: number | undefined;
      let responded: number | undefined;
      while (count === undefined || responded === undefined || count !== responded) {
        const m = await client.inbox.next(10_000);
        if (m.type === 'totals') count = m.data.count;
        else if (m.type === 'status') responded = m.data.actual_results;
        else if (m.type === 'result') out.push({ host: m.data.host.hostname, rows: m.data.rows });
        else throw new Error(`unknown msg type ${m.type}`);
      }
      client.close();
      return out;
    })();
    await answered(h3, campaignId, [{ version: '5.9.1' }]);
    await answered(h1, campaignId, [{ version: '5.10.2' }]);
    expect(await printed).toEqual([
      { host: 'host3.local', rows: withHost(h3, [{ version: '5.9.1' }]) },
      { host: 'host1.local', rows: withHost(h1, [{ version: '5.10.2' }]) },
    ]);
  });

  it('should give a late subscriber every result once, in order', async () => {
    const campaignId = await runCampaign(t, [h1.id, h3.id]);
    await answered(h3, campaignId, [{ n: 'first' }]);
    await answered(h1, campaignId, [{ n: 'second' }]);
    const client = await watch(transport, campaignId);
    await client.inbox.waitFor(isType('status', (d) => d.status === 'finished'), PUSHED_MS);
    expect(client.inbox.received).toEqual([
      totals(2, 2, 0),
      status(2, 0, 'pending'),
      result(campaignId, h3, [{ n: 'first' }]),
      result(campaignId, h1, [{ n: 'second' }]),
      status(2, 2, 'finished'),
    ]);
  });

  it('should replay everything from the start to a client that reconnects mid-stream', async () => {
    const campaignId = await runCampaign(t, [h1.id, h3.id]);
    const first = await watch(transport, campaignId);
    await answered(h1, campaignId, [{ n: '1' }]);
    await first.inbox.waitFor(isResultOf(h1));
    first.close();
    await first.inbox.closed();

    const again = await watch(transport, campaignId);
    await again.inbox.waitFor(isStatus(2, 1, 'pending'));
    expect(again.inbox.received).toEqual([totals(2, 2, 0), status(2, 0, 'pending'), result(campaignId, h1, [{ n: '1' }]), status(2, 1, 'pending')]);
    // The campaign outlived the first socket: the other host still gets the query and its answer streams.
    expect(Object.keys(await liveQueries(t.url, h3))).toContain(liveName(campaignId));
    await answered(h3, campaignId, [{ n: '3' }]);
    expect(await again.inbox.next()).toEqual(result(campaignId, h3, [{ n: '3' }]));
    expect(await again.inbox.next(PUSHED_MS)).toEqual(status(2, 2, 'finished'));
  });
});

describe('plain WebSocket limits', () => {
  it('should close a client that sends a frame over 1 MiB with 1009 and go on serving', async () => {
    const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/api/v1/fleet/results/websocket`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(1024 * 1024 + 1));
    expect(await closed).toBe(1009);
    const client = await watch(TRANSPORTS[0]!, await runCampaign(t, [h1.id]));
    expect(await client.inbox.next()).toEqual(totals(1, 1, 0));
    client.close();
  });
});

describe('slow readers', () => {
  // Answers of 800 kB each: a reader that stops reading fills its socket buffers (a few MB) within
  // a few of them and then falls more than subscriberMaxLag (20) results behind.
  const big = 'x'.repeat(100_000);
  const bigRows = (h: LiveHost) => Array.from({ length: 8 }, (_, i) => ({ host: h.name, n: String(i), blob: big }));
  const paths = [
    ['the plain WebSocket', '/api/v1/fleet/results/websocket', (text: string) => [text]],
    // SockJS's own websocket transport: "o", then a["<json>", ...] frames.
    ['SockJS over its websocket transport', '/api/v1/fleet/results/000/slowread/websocket', (text: string) =>
      text.startsWith('a[') ? (JSON.parse(text.slice(1)) as string[]) : []],
  ] as const;

  it.each(paths)('should cut %s when its reader stops reading, while a fast watcher gets every result', async (_name, path, messagesOf) => {
    const app = await startApp({ subscriberMaxLag: 20 });
    await restClient(app.url)('POST', '/api/v1/fleet/spec/enroll_secret', { token: app.adminToken, body: { spec: { secrets: [{ secret: 'global' }] } } });
    const many: LiveHost[] = [];
    for (let i = 0; i < 40; i++) many.push(await enrollHost(app, `slow-${i}.example.org`));
    const campaignId = await runCampaign(app, many.map((h) => h.id));

    const slow = await connectRawFrames(app.url, path);
    for (const m of [auth(app.adminToken), select(campaignId)]) slow.send(path.endsWith('/results/websocket') ? JSON.stringify(m) : JSON.stringify([JSON.stringify(m)]));
    const fast = await connectResults(app.url, { kind: 'raw', version: 'v1' });
    fast.send(auth(app.adminToken));
    fast.send(select(campaignId));
    await fast.inbox.waitFor(isType('status'));
    // The slow reader is streaming (its first status came) before it stops reading.
    for (;;) {
      const messages = messagesOf(await slow.inbox.next()).map((m) => JSON.parse(m) as { type: string });
      if (messages.some((m) => m.type === 'status')) break;
    }
    slow.pause();

    const dropped = await metricValue(app.url, 'fleetgraph_live_subscribers_dropped');
    for (const h of many) {
      const r = await answerLive(app.url, h, campaignId, bigRows(h));
      expect(r.status).toBe(200);
    }
    const results = [];
    while (results.length < many.length) {
      const m = await fast.inbox.next(20_000);
      if (m.type === 'result') results.push(m.data as { host: { hostname: string }; rows: { blob: string }[] });
    }
    expect(results.map((r) => r.host.hostname)).toEqual(many.map((h) => h.name));
    expect(results.every((r) => r.rows.length === 8 && r.rows[7]!.blob === big)).toBe(true);

    // Dropped at once by the lag rule, then cut after its grace period, without ever reading again:
    // reading at last, it finds its connection gone without a closing handshake (1006), not a
    // close frame queued behind megabytes it never read.
    await untilMetric(app.url, 'fleetgraph_live_subscribers_dropped', (n) => n === dropped + 1, 10_000);
    await untilMetric(app.url, 'fleetgraph_open_sockets', (n) => n === 1, 10_000);
    slow.resume();
    expect((await slow.inbox.closed(10_000)).code).toBe(1006);
    fast.close();
  }, 60_000);
});

describe('SockJS endpoint (raw checks)', () => {
  it('should describe itself at /info under every API version (#68)', async () => {
    for (const v of ['v1', '2022-04', 'latest']) {
      const res = await fetch(`${t.url}/api/${v}/fleet/results/info`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toEqual({ websocket: true, cookie_needed: false, origins: ['*:*'], entropy: expect.any(Number) });
      expect(Number.isInteger(body.entropy)).toBe(true);
    }
  });

  it('should greet at the prefix root (#69)', async () => {
    const res = await fetch(`${t.url}/api/v1/fleet/results/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Welcome to SockJS!\n');
  });

  it('should frame its own websocket: "o" first, then a[...] of JSON strings (#70)', async () => {
    const campaignId = await runCampaign(t, [h1.id]);
    const client = await connectRawFrames(t.url, '/api/v1/fleet/results/123/abcdefgh/websocket');
    expect(await client.inbox.next()).toBe('o');
    client.send(JSON.stringify([JSON.stringify(auth(t.adminToken)), JSON.stringify(select(campaignId))]));
    const messages: unknown[] = [];
    while (messages.length < 2) {
      const frame = await client.inbox.next();
      if (frame === 'h') continue;
      expect(frame.startsWith('a[')).toBe(true);
      const elements = JSON.parse(frame.slice(1)) as unknown[];
      for (const e of elements) {
        expect(typeof e).toBe('string');
        messages.push(JSON.parse(e as string));
      }
    }
    expect(messages).toEqual([totals(1, 1, 0), status(1, 0, 'pending')]);
  });
});

describe('the 60 s rule (injected clock)', () => {
  const clock60 = testClock(new Date('2024-06-01T08:00:00Z'));
  let t60: TestApp;
  let host: LiveHost;
  const gql = () => gqlClient(t60.url);
  const campaignStatus = async (id: number) => (await gql()('query ($id: ID!) { campaign(id: $id) { status } }', { id: String(id) }, t60.adminToken)).data?.campaign?.status;

  beforeAll(async () => {
    t60 = await startApp({}, { clock: clock60.now });
    await restClient(t60.url)('POST', '/api/v1/fleet/spec/enroll_secret', { token: t60.adminToken, body: { spec: { secrets: [{ secret: 'global' }] } } });
    host = await enrollHost(t60, 'solo.local');
  });

  it('should complete a campaign nobody watched for 60 s: the host no longer gets it', async () => {
    const campaignId = await runCampaign(t60, [host.id]);
    expect(await campaignStatus(campaignId)).toBe('WAITING');
    clock60.advance(59);
    expect(Object.keys(await liveQueries(t60.url, host))).toEqual([liveName(campaignId)]);
    clock60.advance(2);
    expect(await liveQueries(t60.url, host)).toEqual({});
    expect(await campaignStatus(campaignId)).toBe('COMPLETE');
  });

  it('should complete an unwatched campaign from the periodic sweep, without any host checking in', async () => {
    const campaignId = await runCampaign(t60, [host.id]);
    clock60.advance(61);
    // The sweep runs every 5 s of real time; nothing else touches this campaign.
    const deadline = Date.now() + 8000;
    while ((await campaignStatus(campaignId)) !== 'COMPLETE') {
      if (Date.now() > deadline) throw new Error('the sweep did not complete the campaign');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await liveQueries(t60.url, host)).toEqual({});
  });

  it('should keep a watched campaign past 60 s, and complete it 60 s after its last socket left', async () => {
    const campaignId = await runCampaign(t60, [host.id]);
    const client = await connectResults(t60.url, { kind: 'raw', version: 'v1' });
    client.send(auth(t60.adminToken));
    client.send(select(campaignId));
    await client.inbox.waitFor(isType('status'));
    expect(await campaignStatus(campaignId)).toBe('RUNNING');
    clock60.advance(61);
    expect(Object.keys(await liveQueries(t60.url, host))).toEqual([liveName(campaignId)]);
    client.close();
    await client.inbox.closed();
    // The server has let go of the socket (and so of the campaign) once its gauge says so.
    await untilMetric(t60.url, 'fleetgraph_open_sockets', (n) => n === 0);
    clock60.advance(59);
    expect(Object.keys(await liveQueries(t60.url, host))).toEqual([liveName(campaignId)]);
    expect(await campaignStatus(campaignId)).toBe('RUNNING');
    clock60.advance(2);
    expect(await liveQueries(t60.url, host)).toEqual({});
    expect(await campaignStatus(campaignId)).toBe('COMPLETE');
  });

  it('should complete a campaign 60 s after its last graphql-ws subscriber left', async () => {
    const campaignId = await runCampaign(t60, [host.id]);
    const watcher = watchOverWs(t60.url, t60.adminToken, campaignId);
    await watcher.until((items) => items.length >= 2);
    clock60.advance(61);
    expect(Object.keys(await liveQueries(t60.url, host))).toEqual([liveName(campaignId)]);
    await watcher.dispose();
    await untilMetric(t60.url, 'fleetgraph_open_sockets', (n) => n === 0);
    clock60.advance(59);
    expect(await campaignStatus(campaignId)).toBe('RUNNING');
    clock60.advance(2);
    expect(await liveQueries(t60.url, host)).toEqual({});
    expect(await campaignStatus(campaignId)).toBe('COMPLETE');
  });

  it('should push new totals and status to an idle watcher when its only target goes offline', async () => {
    const campaignId = await runCampaign(t60, [host.id]);
    const client = await connectResults(t60.url, { kind: 'raw', version: 'v1' });
    client.send(auth(t60.adminToken));
    client.send(select(campaignId));
    expect(await client.inbox.next()).toEqual(totals(1, 1, 0));
    expect(await client.inbox.next()).toEqual(status(1, 0, 'pending'));
    // An hour without a check-in: offline. Nothing else happens on the campaign.
    clock60.advance(3600);
    expect(await client.inbox.next()).toEqual(totals(1, 0, 1));
    expect(await client.inbox.next()).toEqual(status(0, 0, 'finished'));
    client.close();
  });
});
