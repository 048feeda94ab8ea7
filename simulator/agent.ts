import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  answerQuery,
  answerScheduled,
  DEFAULT_ANSWER_OPTIONS,
  discoveryAllows,
  evaluateAgainstTables,
  LIVE_PREFIX,
  type Answer,
  type AnswerOptions,
  type LiveQueryHook,
} from './answers.js';
import { createCounters, type FleetCounters } from './counters.js';
import type { HostProfile, Row } from './host-profile.js';
import { createHttpClient, type HttpClient, type JsonResponse } from './http-client.js';
import { UNLIMITED, type Limiter } from './limiter.js';
import { osqueryInfoRow, type AgentRuntime } from './osquery-tables.js';
import { calendarTime, differentialLines, scheduledQueriesFromConfig, snapshotLine, type ScheduledQuery } from './schedule.js';

export const ENDPOINTS = {
  enroll: '/api/osquery/enroll',
  config: '/api/osquery/config',
  read: '/api/osquery/distributed/read',
  write: '/api/osquery/distributed/write',
  log: '/api/osquery/log',
} as const;

/** osquery checks in every 5 s while a server's `accelerate` window lasts. */
const ACCELERATED_INTERVAL_MS = 5_000;
const DEFAULT_INTERVAL_SECONDS = 10;
const DEFAULT_LOGGER_PERIOD_SECONDS = 10;
/** osquery's logger_tls_max_lines default. */
const MAX_LOG_LINES_PER_REQUEST = 1024;
/** Logs kept while the server refuses them; older lines are dropped as osquery's buffer does. */
const MAX_BUFFERED_LOG_LINES = 10_000;

export type OsqueryConfig = Record<string, unknown>;

export interface ResultEvent {
  profile: HostProfile;
  name: string;
  sql: string;
  answer: Answer;
  /** When the distributed/write carrying it was sent. */
  sentAtMs: number;
}

export interface AgentOptions {
  server: string;
  enrollSecret: string;
  /** Share one client (and its socket pool) across agents; otherwise each agent owns one. */
  http?: HttpClient;
  limiter?: Limiter;
  counters?: FleetCounters;
  /** Check-in interval override; otherwise the config's options.distributed_interval. */
  intervalMs?: number;
  answers?: Partial<AnswerOptions>;
  onLiveQuery?: LiveQueryHook;
  /** Called for every query answered in a distributed/write, after the write succeeded. */
  onResult?: (event: ResultEvent) => void;
  onError?: (profile: HostProfile, error: Error) => void;
  /** Called after every successful enroll, first or re-enroll. */
  onEnroll?: (profile: HostProfile, nodeKey: string) => void;
  /** Send status and scheduled-query result logs (default true). */
  logs?: boolean;
  now?: () => number;
}

export interface CheckInResult {
  queries: Record<string, string>;
  answered: string[];
  /** Names whose discovery statement found nothing, so osquery would not run them. */
  skipped: string[];
  accelerateSeconds: number | null;
}

/** A request the server refused or answered in a shape osquery could not use. */
export class AgentRequestError extends Error {
  override readonly name = 'AgentRequestError';
  constructor(
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`POST ${path} → ${status}${typeof body === 'object' && body !== null && 'error' in body ? `: ${String((body as { error: unknown }).error)}` : ''}`);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const positiveNumber = (value: unknown): number | undefined => {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
};

const isNodeInvalid = (response: JsonResponse): boolean => response.status === 401 && isRecord(response.body) && response.body.node_invalid === true;

const jitter = (ms: number, fraction: number): number => Math.max(0, ms * (1 + (Math.random() * 2 - 1) * fraction));

interface ScheduleState {
  query: ScheduledQuery;
  nextRunMs: number;
  counter: number;
  previous: string[];
}

/**
 * One simulated osquery agent. Each protocol step is a method so tests can drive it without
 * timers; `start()` runs them on osquery's own schedule.
 */
export class SimulatedAgent {
  readonly profile: HostProfile;
  nodeKey: string | null = null;
  currentConfig: OsqueryConfig | null = null;
  lastCheckInAtMs: number | null = null;
  checkIns = 0;
  errors = 0;
  lastError: Error | null = null;

  private readonly options: AgentOptions;
  private readonly http: HttpClient;
  private readonly ownsHttp: boolean;
  private readonly limiter: Limiter;
  private readonly counters: FleetCounters;
  private readonly answerOptions: AnswerOptions;
  private readonly now: () => number;
  private readonly startedAtMs: number;
  private configHash = '';
  private accelerateUntilMs = 0;
  private schedule: ScheduleState[] = [];
  private pendingResultLines: unknown[] = [];
  private pendingStatusLines: unknown[] = [];
  private nextConfigAtMs = 0;
  private nextLogFlushAtMs = 0;
  private abort: AbortController | null = null;
  private loop: Promise<void> | null = null;

  constructor(profile: HostProfile, options: AgentOptions) {
    this.profile = profile;
    this.options = options;
    this.ownsHttp = !options.http;
    this.http = options.http ?? createHttpClient({ server: options.server, maxSockets: 2 });
    this.limiter = options.limiter ?? UNLIMITED;
    this.counters = options.counters ?? createCounters();
    this.answerOptions = { ...DEFAULT_ANSWER_OPTIONS, ...options.answers, ...(options.onLiveQuery ? { onLiveQuery: options.onLiveQuery } : {}) };
    this.now = options.now ?? Date.now;
    this.startedAtMs = this.now();
  }

  /** The check-in period in force: the override, else the config's, else Fleet's default. */
  get intervalMs(): number {
    if (this.options.intervalMs !== undefined) return this.options.intervalMs;
    const fromConfig = positiveNumber(this.configOptions().distributed_interval);
    return (fromConfig ?? DEFAULT_INTERVAL_SECONDS) * 1000;
  }

  get runtime(): AgentRuntime {
    const options = this.configOptions();
    const intervalSeconds = Math.max(1, Math.ceil(this.intervalMs / 1000));
    return {
      startedAtMs: this.startedAtMs,
      configHash: this.configHash,
      distributedIntervalSeconds: intervalSeconds,
      configRefreshSeconds: this.configRefreshSeconds(),
      loggerPeriodSeconds: positiveNumber(options.logger_tls_period) ?? DEFAULT_LOGGER_PERIOD_SECONDS,
      now: this.now,
    };
  }

  get scheduledQueries(): readonly ScheduledQuery[] {
    return this.schedule.map((s) => s.query);
  }

  async enroll(): Promise<string> {
    const body = {
      enroll_secret: this.options.enrollSecret,
      host_identifier: this.profile.hostIdentifier,
      // osquery sends these four tables, values as strings, before it has any config.
      host_details: {
        os_version: this.profile.osVersion,
        osquery_info: osqueryInfoRow(this.profile, this.runtime),
        system_info: this.profile.systemInfo,
        platform_info: this.profile.platformInfo,
      },
    };
    const response = await this.post(ENDPOINTS.enroll, body);
    const nodeKey = isRecord(response.body) ? response.body.node_key : undefined;
    if (response.status < 200 || response.status >= 300 || typeof nodeKey !== 'string' || nodeKey === '') {
      throw new AgentRequestError(ENDPOINTS.enroll, response.status, response.body);
    }
    if (this.nodeKey !== null) this.counters.reEnrolls++;
    else this.counters.enrolls++;
    this.nodeKey = nodeKey;
    this.options.onEnroll?.(this.profile, nodeKey);
    return nodeKey;
  }

  async config(): Promise<OsqueryConfig> {
    const body = await this.authenticated(ENDPOINTS.config, {});
    if (!isRecord(body)) throw new AgentRequestError(ENDPOINTS.config, 200, body);
    const first = this.currentConfig === null;
    this.currentConfig = body;
    this.counters.configFetches++;
    this.configHash = createHash('sha1').update(JSON.stringify(body)).digest('hex');
    this.nextConfigAtMs = this.now() + this.configRefreshSeconds() * 1000;
    this.applySchedule(scheduledQueriesFromConfig(body, this.profile));
    if (first) this.queueStatus(`osquery configuration loaded [version=${this.profile.osqueryInfo.version ?? ''}]`);
    return body;
  }

  /** One distributed round: read, answer, and write when there was anything to answer. */
  async checkIn(): Promise<CheckInResult> {
    const read = await this.authenticated(ENDPOINTS.read, {});
    const queries = isRecord(read) && isRecord(read.queries) ? read.queries : {};
    const discovery = isRecord(read) && isRecord(read.discovery) ? read.discovery : {};
    const accelerate = isRecord(read) ? positiveNumber(read.accelerate) : undefined;
    if (accelerate !== undefined) this.accelerateUntilMs = this.now() + accelerate * 1000;
    this.checkIns++;
    this.counters.checkIns++;
    this.lastCheckInAtMs = this.now();

    const runtime = this.runtime;
    const result: CheckInResult = { queries: {}, answered: [], skipped: [], accelerateSeconds: accelerate ?? null };
    const answers = new Map<string, { sql: string; answer: Answer }>();
    // osquery runs distributed queries in name order.
    for (const name of Object.keys(queries).sort()) {
      const sql = queries[name];
      if (typeof sql !== 'string' || sql.trim() === '') continue;
      result.queries[name] = sql;
      const check = discovery[name];
      if (typeof check === 'string' && check.trim() !== '' && !discoveryAllows(check, this.profile, runtime)) {
        result.skipped.push(name);
        continue;
      }
      answers.set(name, { sql, answer: answerQuery(name, sql, this.profile, runtime, this.answerOptions) });
    }
    if (answers.size === 0) return result;

    const write = { queries: {} as Record<string, Row[]>, statuses: {} as Record<string, number>, messages: {} as Record<string, string> };
    for (const [name, { answer }] of answers) {
      write.queries[name] = answer.rows;
      write.statuses[name] = answer.status;
      if (answer.status !== 0) write.messages[name] = answer.message ?? '';
    }
    const sentAtMs = this.now();
    await this.authenticated(ENDPOINTS.write, write);
    this.counters.distributedWrites++;
    for (const [name, { sql, answer }] of answers) {
      result.answered.push(name);
      this.counters.queriesAnswered++;
      if (name.startsWith(LIVE_PREFIX)) {
        this.counters.liveQueryResults++;
        this.counters.liveQueryRows += answer.rows.length;
      }
      this.options.onResult?.({ profile: this.profile, name, sql, answer, sentAtMs });
    }
    return result;
  }

  /** Sends one /log request; `data` is a list of osquery log lines. */
  async log(logType: 'status' | 'result', data: readonly unknown[]): Promise<void> {
    await this.authenticated(ENDPOINTS.log, { log_type: logType, data });
    this.counters.logRequests++;
    this.counters.logLines += data.length;
  }

  /** Runs scheduled queries that are due and queues their result lines. */
  runDueScheduledQueries(): number {
    const nowMs = this.now();
    const runtime = this.runtime;
    let lines = 0;
    for (const state of this.schedule) {
      if (nowMs < state.nextRunMs) continue;
      state.nextRunMs = nowMs + state.query.intervalMs;
      const answer = answerScheduled(state.query.sql, this.profile, runtime, this.answerOptions);
      if (answer.status !== 0) continue;
      const context = { hostIdentifier: this.profile.hostIdentifier, decorations: this.decorations(), nowMs, counter: state.counter++ };
      if (state.query.snapshot) {
        this.pendingResultLines.push(snapshotLine(state.query, answer.rows, context));
        lines++;
      } else {
        const diff = differentialLines(state.query, state.previous, answer.rows, context);
        state.previous = diff.current;
        this.pendingResultLines.push(...diff.lines);
        lines += diff.lines.length;
      }
    }
    if (this.pendingResultLines.length > MAX_BUFFERED_LOG_LINES) this.pendingResultLines.splice(0, this.pendingResultLines.length - MAX_BUFFERED_LOG_LINES);
    return lines;
  }

  /** Sends queued status and result lines, in osquery-sized batches. */
  async flushLogs(): Promise<number> {
    let sent = 0;
    for (const [type, queue] of [['status', this.pendingStatusLines], ['result', this.pendingResultLines]] as const) {
      while (queue.length > 0) {
        const batch = queue.slice(0, MAX_LOG_LINES_PER_REQUEST);
        await this.log(type, batch);
        queue.splice(0, batch.length);
        sent += batch.length;
      }
    }
    return sent;
  }

  /**
   * Runs the agent on its own timers until stop(): enroll, config, then check-ins. With
   * `spreadFirstCheckIn` the first check-in waits a random part of the interval, so a fleet
   * started at once does not check in in lockstep.
   */
  start({ spreadFirstCheckIn = false }: { spreadFirstCheckIn?: boolean } = {}): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run(spreadFirstCheckIn, this.abort.signal);
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = null;
    this.abort = null;
    if (this.ownsHttp) this.http.close();
  }

  /** Releases the agent's own socket pool when it was driven step by step. */
  close(): void {
    if (this.ownsHttp) this.http.close();
  }

  private async run(spreadFirstCheckIn: boolean, signal: AbortSignal): Promise<void> {
    let delayMs = 0;
    let first = true;
    while (!signal.aborted) {
      try {
        if (this.nodeKey === null) await this.limiter.run(() => this.enroll());
        if (this.currentConfig === null || this.now() >= this.nextConfigAtMs) await this.limiter.run(() => this.config());
        if (first) {
          first = false;
          if (spreadFirstCheckIn) await sleep(Math.random() * this.intervalMs, undefined, { signal });
        }
        await this.limiter.run(() => this.checkIn());
        if (this.options.logs !== false) await this.maybeFlushLogs();
        // osquery's distributed loop pauses exactly the interval after each read and run; only
        // the first check-in is spread, and only failures back off with jitter.
        delayMs = this.currentIntervalMs();
      } catch (error) {
        if (signal.aborted) break;
        this.recordError(error);
        delayMs = jitter(Math.max(this.intervalMs, 1000), 0.1);
      }
      try {
        await sleep(delayMs, undefined, { signal });
      } catch {
        break;
      }
    }
  }

  private async maybeFlushLogs(): Promise<void> {
    this.runDueScheduledQueries();
    if (this.now() < this.nextLogFlushAtMs) return;
    this.nextLogFlushAtMs = this.now() + this.runtime.loggerPeriodSeconds * 1000;
    if (this.pendingStatusLines.length + this.pendingResultLines.length > 0) await this.limiter.run(() => this.flushLogs());
  }

  private currentIntervalMs(): number {
    const interval = this.intervalMs;
    return this.now() < this.accelerateUntilMs ? Math.min(interval, ACCELERATED_INTERVAL_MS) : interval;
  }

  private recordError(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.errors++;
    this.lastError = err;
    this.counters.errors++;
    this.counters.lastError = `${this.profile.hostname}: ${err.message}`;
    this.options.onError?.(this.profile, err);
  }

  private async post(path: string, body: unknown): Promise<JsonResponse> {
    this.counters.requests++;
    return this.http.postJson(path, body, this.abort?.signal);
  }

  /** A node-key request; a `node_invalid` 401 makes osquery re-enroll and retry once. */
  private async authenticated(path: string, fields: Record<string, unknown>): Promise<unknown> {
    if (this.nodeKey === null) await this.enroll();
    let response = await this.post(path, { node_key: this.nodeKey, ...fields });
    if (isNodeInvalid(response)) {
      await this.enroll();
      response = await this.post(path, { node_key: this.nodeKey, ...fields });
    }
    if (response.status < 200 || response.status >= 300) throw new AgentRequestError(path, response.status, response.body);
    return response.body;
  }

  private configOptions(): Record<string, unknown> {
    const options = this.currentConfig?.options;
    return isRecord(options) ? options : {};
  }

  private configRefreshSeconds(): number {
    const options = this.configOptions();
    const explicit = positiveNumber(options.config_refresh) ?? positiveNumber(options.config_tls_refresh);
    return explicit ?? Math.max(DEFAULT_INTERVAL_SECONDS, Math.ceil(this.intervalMs / 1000));
  }

  /** Columns from the config's decorator statements, attached to every log line. */
  private decorations(): Row {
    const decorators = this.currentConfig?.decorators;
    const statements = isRecord(decorators) ? [decorators.load, decorators.always].flatMap((list) => (Array.isArray(list) ? list : [])) : [];
    const out: Row = {};
    for (const sql of statements) {
      if (typeof sql !== 'string') continue;
      Object.assign(out, evaluateAgainstTables(sql, this.profile, this.runtime)?.rows[0] ?? {});
    }
    return Object.keys(out).length > 0 ? out : { host_uuid: this.profile.uuid, hostname: this.profile.hostname };
  }

  private applySchedule(queries: ScheduledQuery[]): void {
    const before = new Map(this.schedule.map((s) => [s.query.name, s]));
    const nowMs = this.now();
    this.schedule = queries.map((query) => {
      const kept = before.get(query.name);
      if (kept && kept.query.sql === query.sql) return { ...kept, query };
      // osquery splays first runs over the interval instead of running everything at start.
      return { query, nextRunMs: nowMs + Math.random() * query.intervalMs, counter: 0, previous: [] };
    });
  }

  private queueStatus(message: string): void {
    const nowMs = this.now();
    this.pendingStatusLines.push({
      hostIdentifier: this.profile.hostIdentifier,
      calendarTime: calendarTime(nowMs),
      unixTime: String(Math.floor(nowMs / 1000)),
      severity: '0',
      filename: 'config.cpp',
      line: '301',
      message,
      version: this.profile.osqueryInfo.version ?? '',
      decorations: this.decorations(),
    });
  }
}

export function createAgent(profile: HostProfile, options: AgentOptions): SimulatedAgent {
  return new SimulatedAgent(profile, options);
}
