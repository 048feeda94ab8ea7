import { SimulatedAgent, type AgentOptions } from './agent.js';
import type { AnswerOptions, LiveQueryHook } from './answers.js';
import { createCounters, type FleetCounters } from './counters.js';
import { generateHostProfiles, type HostProfile } from './host-profile.js';
import { createHttpClient } from './http-client.js';
import { createLimiter } from './limiter.js';
import { DEFAULT_PLATFORM_MIX, type PlatformMix } from './platform-mix.js';
import type { Seed } from './random.js';

export interface FleetOptions {
  server: string;
  enrollSecret: string;
  hosts: number;
  seed?: Seed;
  platformMix?: PlatformMix;
  /** Index of the first host; give parallel simulator processes disjoint ranges. */
  firstIndex?: number;
  /** Check-in interval override; otherwise each agent follows its config. */
  intervalMs?: number;
  /** Requests in flight at once across the fleet (and sockets in the pool). */
  concurrency?: number;
  answers?: Partial<AnswerOptions>;
  onLiveQuery?: LiveQueryHook;
  onResult?: AgentOptions['onResult'];
  onError?: AgentOptions['onError'];
  logs?: boolean;
  insecure?: boolean;
  requestTimeoutMs?: number;
}

export interface FleetStats {
  hosts: number;
  enrolled: number;
  /** Hosts whose last check-in is within two of their intervals. */
  online: number;
  checkIns: number;
  /** Over the last few seconds (since the previous stats() call at most 5 s ago). */
  checkInsPerSecond: number;
  liveQueryResults: number;
  liveQueryRows: number;
  distributedWrites: number;
  reEnrolls: number;
  requests: number;
  logLines: number;
  errors: number;
  lastError: string | null;
  elapsedMs: number;
}

export interface Fleet {
  agents: readonly SimulatedAgent[];
  counters: FleetCounters;
  /** Resolves once every host has enrolled (or the fleet was stopped). */
  ready: Promise<void>;
  stats(): FleetStats;
  /** Stops every agent, closes the sockets, and resolves with the final stats. */
  stop(): Promise<FleetStats>;
}

const RATE_WINDOW_MS = 5_000;

/** Check-ins per second over a sliding window fed by stats() calls. */
function createRateWindow(now: () => number): (total: number) => number {
  const samples: { at: number; total: number }[] = [{ at: now(), total: 0 }];
  return (total) => {
    const at = now();
    samples.push({ at, total });
    // Keep one sample older than the window so the rate always spans at least the window.
    while (samples.length > 2 && (samples[1]?.at ?? at) <= at - RATE_WINDOW_MS) samples.shift();
    const oldest = samples[0] ?? { at, total };
    const seconds = (at - oldest.at) / 1000;
    return seconds > 0 ? (total - oldest.total) / seconds : 0;
  };
}

export function startFleet(options: FleetOptions): Fleet {
  const { hosts, concurrency = 200 } = options;
  if (!Number.isInteger(hosts) || hosts < 1) throw new RangeError(`hosts must be a positive integer, got ${hosts}`);
  const profiles: HostProfile[] = generateHostProfiles(hosts, {
    seed: options.seed ?? 1,
    platformMix: options.platformMix ?? DEFAULT_PLATFORM_MIX,
    firstIndex: options.firstIndex ?? 0,
  });
  const counters = createCounters();
  const limiter = createLimiter(concurrency);
  const http = createHttpClient({ server: options.server, maxSockets: concurrency, insecure: options.insecure, timeoutMs: options.requestTimeoutMs });
  const startedAt = Date.now();

  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  let pending = profiles.length;
  const onEnrolled = (): void => {
    if (--pending === 0) markReady();
  };

  const agents = profiles.map((profile) => {
    let enrolled = false;
    return new SimulatedAgent(profile, {
      server: options.server,
      enrollSecret: options.enrollSecret,
      http,
      limiter,
      counters,
      intervalMs: options.intervalMs,
      answers: options.answers,
      onLiveQuery: options.onLiveQuery,
      onResult: options.onResult,
      onError: options.onError,
      logs: options.logs,
      onEnroll: () => {
        if (enrolled) return;
        enrolled = true;
        onEnrolled();
      },
    });
  });
  for (const agent of agents) agent.start({ spreadFirstCheckIn: true });

  const rate = createRateWindow(Date.now);
  const stats = (): FleetStats => {
    const now = Date.now();
    let enrolled = 0;
    let online = 0;
    for (const agent of agents) {
      if (agent.nodeKey !== null) enrolled++;
      if (agent.lastCheckInAtMs !== null && agent.lastCheckInAtMs >= now - 2 * agent.intervalMs) online++;
    }
    return {
      hosts: agents.length,
      enrolled,
      online,
      checkIns: counters.checkIns,
      checkInsPerSecond: rate(counters.checkIns),
      liveQueryResults: counters.liveQueryResults,
      liveQueryRows: counters.liveQueryRows,
      distributedWrites: counters.distributedWrites,
      reEnrolls: counters.reEnrolls,
      requests: counters.requests,
      logLines: counters.logLines,
      errors: counters.errors,
      lastError: counters.lastError,
      elapsedMs: now - startedAt,
    };
  };

  let stopping: Promise<FleetStats> | null = null;
  const stop = (): Promise<FleetStats> => {
    stopping ??= (async () => {
      await Promise.all(agents.map((agent) => agent.stop()));
      http.close();
      markReady();
      return stats();
    })();
    return stopping;
  };

  return { agents, counters, ready, stats, stop };
}
