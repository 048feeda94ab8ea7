import { connect } from 'node:net';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorOf, gqlClient, restClient } from '../helpers/clients.js';
import { startApp, type TestApp } from '../helpers/harness.js';

let t: TestApp;

beforeAll(async () => {
  t = await startApp();
});

/** Sends raw bytes and answers the first response line. */
function rawRequest(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let data = '';
    socket.on('data', (d) => {
      data += d;
      if (data.includes('\r\n')) {
        resolve(data.split('\r\n')[0]!);
        socket.destroy();
      }
    });
    socket.on('error', reject);
  });
}

describe('malformed request targets', () => {
  it.each(['//', '/\\', '//[', '//x:99999'])('should answer 400 to GET %s and keep serving', async (target) => {
    expect(await rawRequest(t.url, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)).toBe('HTTP/1.1 400 Bad Request');
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('should refuse a WebSocket upgrade to a malformed target and keep serving', async () => {
    const line = await rawRequest(
      t.url,
      'GET // HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    expect(line).toBe('HTTP/1.1 400 Bad Request');
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});

describe('POST /queries/:id/run', () => {
  it('should answer 404 for a non-numeric query id', async () => {
    const r = await restClient(t.url)('POST', '/api/v1/fleet/queries/abc/run', { token: t.adminToken, body: { host_ids: [1] } });
    expect(errorOf(r)).toEqual({ status: 404, message: 'Resource Not Found', errors: [{ name: 'base', reason: 'Query abc was not found in the datastore' }] });
  });
});

describe('GraphQL JSON objects', () => {
  it('should accept agent options written inline in the document', async () => {
    const r = await gqlClient(t.url)(
      'mutation { applyTeamSpecs(specs: [{ name: "Inline", agentOptions: { config: { options: { distributed_interval: 30 } } } }]) { teams { created } } }',
      {},
      t.adminToken,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.applyTeamSpecs.teams).toEqual({ created: 1 });
    const team = await gqlClient(t.url)('{ team(name: "Inline") { agentOptions } }', {}, t.adminToken);
    expect(team.data.team.agentOptions).toEqual({ config: { options: { distributed_interval: 30 } } });
  });
});

describe('GraphQL request bodies', () => {
  const post = (body: string) =>
    fetch(`${t.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}` }, body });

  it('should answer 413 in GraphQL\'s error shape for a body over 16 MiB, and close the connection', async () => {
    const r = await post(JSON.stringify({ query: `{ me { id } }${' '.repeat(16 * 1024 * 1024)}` }));
    expect({ status: r.status, connection: r.headers.get('connection'), body: await r.json() }).toEqual({
      status: 413,
      connection: 'close',
      body: { errors: [{ message: 'request body is larger than 16777216 bytes', extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' } }] },
    });
    expect((await post(JSON.stringify({ query: '{ me { email } }' }))).status).toBe(200);
  });

  it('should read a body just under the limit', async () => {
    const big = await post(JSON.stringify({ query: `{ me { email } }${' '.repeat(16 * 1024 * 1024 - 64)}` }));
    expect({ status: big.status, body: await big.json() }).toEqual({ status: 200, body: { data: { me: { email: expect.any(String) } } } });
  });

  it.each([
    ['an empty body', '', 'Unexpected end of JSON input, "" is not valid JSON'],
    ['a cut-off body', '{"query": ', 'Unexpected end of JSON input, "{"query": " is not valid JSON'],
  ])('should answer %s with 400 and the parser error', async (_, body, parserMessage) => {
    const r = await post(body);
    expect({ status: r.status, body: await r.json() }).toEqual({
      status: 400,
      body: {
        errors: [{ message: 'POST body sent invalid JSON.', extensions: { code: 'BAD_REQUEST', originalError: { name: 'SyntaxError', message: parserMessage } } }],
      },
    });
  });
});

describe('graphql-ws', () => {
  it('should answer a syntax error as that operation’s error and keep the connection', async () => {
    const client = createClient({ url: `${t.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { token: t.adminToken }, retryAttempts: 0 });
    try {
      const bad = await new Promise<unknown>((resolve) => {
        client.subscribe({ query: '{ me { email ' }, { next: () => undefined, error: resolve, complete: () => resolve(undefined) });
      });
      expect(Array.isArray(bad) ? (bad as { message: string }[])[0]?.message : bad).toMatch(/Syntax Error/);
      const ok = await new Promise<unknown>((resolve, reject) => {
        client.subscribe({ query: '{ me { email } }' }, { next: resolve, error: reject, complete: () => undefined });
      });
      expect(ok).toEqual({ data: { me: { email: 'admin@example.com' } } });
    } finally {
      await client.dispose();
    }
  });
});

describe('SockJS HTTP transports', () => {
  it('should cut off a POST body larger than 1 MiB', async () => {
    const r = await fetch(`${t.url}/api/v1/fleet/results/000/abcdefgh/xhr_send`, {
      method: 'POST',
      body: 'x'.repeat(2 * 1024 * 1024),
    }).catch((err: unknown) => err);
    // The connection is destroyed mid-body, or sockjs refuses the unknown session: never a hang.
    expect(r instanceof Error || (r as Response).status >= 400).toBe(true);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});
