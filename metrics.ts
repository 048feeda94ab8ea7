import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { createRequestMetrics } from './request-metrics.js';

/** One registry per app, so several apps in one process (tests) do not share counters. */
export type LiveStats = () => { open: number; ignoredResults: number; droppedSubscribers: number };

export function createMetrics(liveStats: LiveStats) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'fleetgraph_' });
  return {
    registry,
    requests: createRequestMetrics(registry),
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
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
