import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app, so several apps in one process (tests) do not share counters. */
export type LiveStats = () => { open: number; ignoredResults: number; droppedSubscribers: number };

export function createMetrics(liveStats: LiveStats) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'fleetgraph_' });
  return {
    registry,
    requests: new Counter({
      name: 'fleetgraph_http_requests_total',
      help: 'HTTP requests by route, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'fleetgraph_http_request_duration_seconds',
      help: 'HTTP request latency by route and method',
      labelNames: ['route', 'method'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    openSockets: new Gauge({
      name: 'fleetgraph_open_sockets',
      help: 'Open WebSocket and SockJS connections by protocol',
      labelNames: ['protocol'] as const,
      registers: [registry],
    }),
    liveCampaigns: new Gauge({
      name: 'fleetgraph_live_campaigns',
      help: 'Live query campaigns that are not complete',
      registers: [registry],
      collect() {
        this.set(liveStats().open);
      },
    }),
    ignoredResults: new Gauge({
      name: 'fleetgraph_live_results_ignored',
      help: 'Live query results refused: from hosts a campaign did not target, repeated, or for closed campaigns',
      registers: [registry],
      collect() {
        this.set(liveStats().ignoredResults);
      },
    }),
    droppedSubscribers: new Gauge({
      name: 'fleetgraph_live_subscribers_dropped',
      help: 'Result subscribers dropped for falling too far behind',
      registers: [registry],
      collect() {
        this.set(liveStats().droppedSubscribers);
      },
    }),
    agentCheckins: new Counter({
      name: 'fleetgraph_agent_checkins_total',
      help: 'Authenticated osquery agent requests by endpoint',
      labelNames: ['endpoint'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
