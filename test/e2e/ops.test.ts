import { describe, expect, it } from 'vitest';
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

describe('unknown paths', () => {
  it('should answer 404 with the Fleet error body outside the API too', async () => {
    const t = await startApp({}, { setup: false });
    const r = await restClient(t.url)('GET', '/no/such/thing');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ message: 'Resource Not Found', errors: [{ name: 'base', reason: 'Resource Not Found' }] });
  });
});
