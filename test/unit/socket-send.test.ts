/**
 * The results sockets' write-behind over real loopback WebSockets: frames held for a few
 * milliseconds to share a system call still all arrive, in order, and a sender waits only once a
 * socket holds more than the bound.
 */
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { HOLD_MS, MAX_UNSENT_BYTES, sendBehind } from '../../socket-send.js';
import { until } from '../helpers/poll.js';

type Pair = { server: WebSocket; client: WebSocket; received: string[] };

const servers: WebSocketServer[] = [];
afterEach(() => {
  for (const wss of servers.splice(0)) {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
  }
});

/** `n` connected pairs: the server side of each (to send on) and what its client has received. */
async function pairs(n: number): Promise<Pair[]> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  servers.push(wss);
  await new Promise((resolve) => wss.once('listening', resolve));
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
  const out: Pair[] = [];
  for (let i = 0; i < n; i++) {
    const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
    const client = new WebSocket(url);
    const received: string[] = [];
    client.on('message', (data) => received.push(data.toString()));
    await new Promise((resolve) => client.once('open', resolve));
    out.push({ server: await accepted, client, received });
  }
  return out;
}

const send = (ws: WebSocket, text: string, done: () => void = () => undefined) =>
  sendBehind(ws, (t, cb) => ws.send(t, cb), text, done);

/** How many corks the server side's TCP socket holds (ours, if the frame is being held). */
const corks = (ws: WebSocket) => (ws as unknown as { _socket: { writableCorked: number } })._socket.writableCorked;

describe('sendBehind', () => {
  it('holds a frame back briefly and then releases it', async () => {
    const [p] = await pairs(1);
    send(p!.server, 'held');
    expect(corks(p!.server)).toBe(1);
    // Past this tick's callbacks and promise jobs: still held, for frames to come.
    await new Promise((resolve) => process.nextTick(resolve));
    await Promise.resolve();
    expect(corks(p!.server)).toBe(1);
    await until(() => p!.received.length === 1);
    expect(corks(p!.server)).toBe(0);
    expect(p!.received).toEqual(['held']);
  });

  it('releases a window older than the hold at the next send, even within one turn of the event loop', async () => {
    const [a, b] = await pairs(2);
    send(a!.server, 'first');
    const opened = performance.now();
    while (performance.now() - opened < 2 * HOLD_MS) {
      // A long synchronous turn, as a loaded server's: the timer cannot fire meanwhile.
    }
    send(b!.server, 'second');
    expect(corks(a!.server)).toBe(0);
    expect(corks(b!.server)).toBe(1);
    await until(() => a!.received.length === 1 && b!.received.length === 1);
  });


  it('delivers every frame of a burst to every socket, in the order each was sent', async () => {
    const ps = await pairs(3);
    const expected = Array.from({ length: 300 }, (_, i) => `frame ${i}`);
    // Interleaved, as a fan-out writes one result to every subscriber before the next result.
    for (const frame of expected) for (const p of ps) send(p.server, frame);
    await until(() => ps.every((p) => p.received.length === expected.length));
    for (const p of ps) expect(p.received).toEqual(expected);
  });

  it('delivers a lone frame on a quiet socket, and frames sent after the window opened', async () => {
    const [p] = await pairs(1);
    send(p!.server, 'alone');
    await until(() => p!.received.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    send(p!.server, 'later 1');
    send(p!.server, 'later 2');
    await until(() => p!.received.length === 3);
    expect(p!.received).toEqual(['alone', 'later 1', 'later 2']);
  });

  it('lets the sender go on at once below the bound, and only once the frame is written above it', async () => {
    const [p] = await pairs(1);
    const frame = 'x'.repeat(40 * 1024);
    // The client stops reading, so what is sent stays unsent once the kernel's buffers are full;
    // held frames count as unsent too, so a burst usually crosses the bound before that.
    (p!.client as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const sends: { unsentBefore: number; doneAtOnce: boolean }[] = [];
    let deferred: Promise<void> | undefined;
    for (let i = 0; i < 400 && !deferred; i++) {
      let done = false;
      const unsentBefore = p!.server.bufferedAmount;
      let release = () => undefined as void;
      const finished = new Promise<void>((resolve) => (release = resolve));
      send(p!.server, frame, () => ((done = true), release()));
      sends.push({ unsentBefore, doneAtOnce: done });
      if (!done) deferred = finished;
    }
    expect(deferred).toBeDefined();
    for (const s of sends) expect(s).toEqual({ unsentBefore: s.unsentBefore, doneAtOnce: s.unsentBefore < MAX_UNSENT_BYTES });
    (p!.client as unknown as { _socket: { resume(): void } })._socket.resume();
    await deferred;
    await until(() => p!.received.length === sends.length);
  });
});
