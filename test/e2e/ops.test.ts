import { describe, expect, it } from 'vitest';
import { distributedRead, enroll } from '../helpers/agents.js';
import { restClient } from '../helpers/clients.js';
import { startApp } from '../helpers/harness.js';

describe('GET /healthz', () => {
  it('should answer 200 {"status":"ok"} without authentication', async () => {
    const t = await startApp({}, { setup: false });
    const r = await restClient(t.url)('GET', '/healthz');
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: { status: 'ok' } });
  });
});

describe('GET /metrics', () => {
  it('should count requests by route pattern and status', async () => {
    const t = await startApp();
    const rest = restClient(t.url);
    await rest('GET', '/api/v1/fleet/spec/queries/nope', { token: t.adminToken });
    const r = await rest('GET', '/metrics');
    expect(r.status).toBe(200);
    expect(r.body).toContain('fleetgraph_http_requests_total{route="/api/:version/fleet/spec/queries/:name",method="GET",status="404"} 1');
    expect(r.body).toContain('fleetgraph_http_request_duration_seconds_bucket');
    for (const name of ['fleetgraph_open_sockets', 'fleetgraph_live_campaigns', 'fleetgraph_agent_checkins_total']) {
      expect(r.body).toContain(`# TYPE ${name}`);
    }
  });

  it('should expose latencies by route and successful agent requests by endpoint', async () => {
    const t = await startApp();
    const rest = restClient(t.url);
    await rest('POST', '/api/v1/fleet/spec/enroll_secret', { token: t.adminToken, body: { spec: { secrets: [{ secret: 'global' }] } } });
    const key = await enroll(t.url, 'global', 'metrics-host');
    for (const path of ['/api/osquery/distributed/read', '/api/osquery/distributed/read', '/api/v1/osquery/distributed/read']) {
      const r = await fetch(t.url + path, { method: 'POST', body: JSON.stringify({ node_key: key }) });
      expect(r.status).toBe(200);
    }
    expect((await distributedRead(t.url, 'not-a-node-key')).status).toBe(401);
    const body = (await rest('GET', '/metrics')).body as string;
    const lines = body.split('\n');

    expect(lines.filter((l) => l.startsWith('fleetgraph_agent_checkins_total'))).toEqual(['fleetgraph_agent_checkins_total{endpoint="distributed/read"} 3']);
    const read = '{route="/api/osquery/distributed/read",method="POST"';
    expect(lines.filter((l) => l.startsWith(`fleetgraph_http_requests_total${read}`))).toEqual([
      `fleetgraph_http_requests_total${read},status="200"} 2`,
      `fleetgraph_http_requests_total${read},status="401"} 1`,
    ]);
    const buckets = lines.filter((l) => l.startsWith('fleetgraph_http_request_duration_seconds_bucket') && l.includes(read.slice(1)));
    const les = ['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];
    expect(buckets.map((l) => /le="([^"]+)"/.exec(l)?.[1])).toEqual(les);
    const counts = buckets.map((l) => Number(l.split(' ').pop()));
    expect(counts.every((c, i) => i === 0 || c >= counts[i - 1]!)).toBe(true);
    expect(counts.at(-1)).toBe(3);
    expect(lines).toContain(`fleetgraph_http_request_duration_seconds_count${read}} 3`);
    const sum = Number(lines.find((l) => l.startsWith(`fleetgraph_http_request_duration_seconds_sum${read}}`))?.split(' ').pop());
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(30);
  });

  it('should require the configured bearer token', async () => {
    const t = await startApp({ metricsToken: 's3cret' });
    const rest = restClient(t.url);
    expect((await rest('GET', '/metrics')).status).toBe(401);
    expect((await rest('GET', '/metrics', { token: 'wrong' })).status).toBe(401);
    const ok = await rest('GET', '/metrics', { token: 's3cret' });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('fleetgraph_http_requests_total');
  });
});

describe('agent API paths', () => {
  it('should answer every spelling of a check-in path as the route, and count each under its pattern', async () => {
    const t = await startApp();
    const rest = restClient(t.url);
    await rest('POST', '/api/v1/fleet/spec/enroll_secret', { token: t.adminToken, body: { spec: { secrets: [{ secret: 'global' }] } } });
    const key = await enroll(t.url, 'global', 'paths-host');
    const send = (path: string, method = 'POST') =>
      fetch(t.url + path, { method, ...(method === 'POST' ? { body: JSON.stringify({ node_key: key }) } : {}) }).then((r) => r.status);
    expect({
      plain: await send('/api/osquery/distributed/read'),
      trailingSlash: await send('/api/osquery/distributed/read/'),
      doubledSlash: await send('/api/osquery//distributed/read'),
      encoded: await send('/api/osquery/distributed/re%61d'),
      query: await send('/api/osquery/distributed/read?x=1'),
      versioned: await send('/api/v1/osquery/distributed/read'),
      wrongMethod: await send('/api/osquery/distributed/read', 'GET'),
      unknown: await send('/api/osquery/distributed/reads'),
    }).toEqual({ plain: 200, trailingSlash: 200, doubledSlash: 200, encoded: 200, query: 200, versioned: 200, wrongMethod: 405, unknown: 404 });
    const lines = ((await rest('GET', '/metrics')).body as string).split('\n');
    expect(lines).toContain('fleetgraph_http_requests_total{route="/api/osquery/distributed/read",method="POST",status="200"} 5');
    expect(lines).toContain('fleetgraph_http_requests_total{route="/api/v1/osquery/distributed/read",method="POST",status="200"} 1');
    expect(lines).toContain('fleetgraph_http_requests_total{route="unmatched",method="GET",status="405"} 1');
    expect(lines).toContain('fleetgraph_http_requests_total{route="unmatched",method="POST",status="404"} 1');
  });
});

describe('unknown paths', () => {
  it('should answer 404 with the Fleet error body outside the API too', async () => {
    const t = await startApp({}, { setup: false });
    const r = await restClient(t.url)('GET', '/no/such/thing');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ message: 'Resource Not Found', errors: [{ name: 'base', reason: 'Resource Not Found' }] });
  });
});
