import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRequestMetrics, LATENCY_BUCKETS } from '../../request-metrics.js';

const NAMES = ['fleetgraph_http_requests_total', 'fleetgraph_http_request_duration_seconds', 'fleetgraph_agent_checkins_total'];

/** The same three metrics as plain prom-client objects, fed as the server fed them before. */
function promClientMetrics(registry: Registry) {
  const requests = new Counter({ name: NAMES[0]!, help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers: [registry] });
  const latency = new Histogram({ name: NAMES[1]!, help: 'HTTP request latency by route and method', labelNames: ['route', 'method'], buckets: [...LATENCY_BUCKETS], registers: [registry] });
  const checkins = new Counter({ name: NAMES[2]!, help: 'Authenticated osquery agent requests by endpoint', labelNames: ['endpoint'], registers: [registry] });
  return {
    observe(route: string, method: string, status: number, seconds: number) {
      requests.inc({ route, method, status: String(status) });
      if (status === 200 && route.includes('/osquery/') && !route.endsWith('/enroll')) checkins.inc({ endpoint: route.slice(route.indexOf('/osquery/') + 9) });
      latency.observe({ route, method }, seconds);
    },
  };
}

const OBSERVATIONS: [string, string, number, number][] = [
  ['/api/osquery/config', 'POST', 401, 0.0004],
  ['/api/osquery/distributed/read', 'POST', 200, 0.001],
  ['/api/:version/fleet/hosts', 'GET', 200, 3],
  ['/api/v1/osquery/distributed/read', 'POST', 200, 0.0031],
  ['/api/osquery/config', 'POST', 200, 0.0025],
  ['/api/osquery/enroll', 'POST', 200, 0.01],
  ['/api/osquery/distributed/read', 'POST', 500, 2.5],
  ['/graphql', 'POST', 200, 0.2],
  ['/api/:version/fleet/hosts', 'GET', 403, 0.05],
  ['/api/:version/fleet/hosts', 'HEAD', 200, 0.00001],
  ['/api/osquery/distributed/read', 'POST', 200, 0.7],
  ['unmatched', 'GET', 404, 0.0002],
];

describe('request metrics', () => {
  it("should expose exactly what prom-client's Counter and Histogram exposed for the same requests", async () => {
    const before = new Registry();
    const after = new Registry();
    const old = promClientMetrics(before);
    const ours = createRequestMetrics(after);
    for (const [route, method, status, seconds] of OBSERVATIONS) {
      old.observe(route, method, status, seconds);
      ours.observe(route, method, status, seconds);
    }
    for (const name of NAMES) expect(await after.getSingleMetricAsString(name)).toBe(await before.getSingleMetricAsString(name));
    expect(await after.getSingleMetricAsString(NAMES[2]!)).toContain('fleetgraph_agent_checkins_total{endpoint="distributed/read"} 3');
  });

  it('should start every family again from nothing after a reset', async () => {
    const registry = new Registry();
    const metrics = createRequestMetrics(registry);
    for (const [route, method, status, seconds] of OBSERVATIONS) metrics.observe(route, method, status, seconds);
    registry.resetMetrics();
    for (const name of NAMES) expect((await registry.getSingleMetricAsString(name)).split('\n')).toHaveLength(2);
    metrics.observe('/api/osquery/config', 'POST', 200, 0.002);
    expect(await registry.getSingleMetricAsString(NAMES[0]!)).toContain('fleetgraph_http_requests_total{route="/api/osquery/config",method="POST",status="200"} 1');
    expect(await registry.getSingleMetricAsString(NAMES[2]!)).toContain('fleetgraph_agent_checkins_total{endpoint="config"} 1');
  });
});
