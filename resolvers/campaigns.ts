/**
 * Live query campaigns (fleet-behavior.md §4): starting them with Fleet's checks in Fleet's order,
 * and the event stream every results transport serves (§5.3: totals, status, result, error).
 */
import { randomInt } from 'node:crypto';
import { authorize, can, requireViewer } from './authz.js';
import type { Ctx, Deps } from './context.js';
import { BadRequestError, ForbiddenError, NotFoundError, PermissionDeniedError, ValidationError } from './errors.js';
import { loadConfig } from './app-config.js';
import { hostVisibility, targetHostIds } from './hosts.js';
import type { Campaign, CampaignResult, HostTargets, SavedQuery } from './model.js';
import type { HostCounts } from './ports.js';
import { verifySql } from './saved-queries.js';

export type CampaignLimits = {
  /** How far (in results) a subscriber may fall behind the point it started from before it is dropped. */
  subscriberMaxLag: number;
  /** Longest wait of the synchronous run, and its default. */
  syncMaxTimeoutMs: number;
  syncDefaultTimeoutMs: number;
};

export async function liveQueryStatus(ctx: Ctx): Promise<void> {
  authorize(ctx, 'app_config:read');
  if ((await loadConfig(ctx)).serverSettings.liveQueryDisabled) throw new PermissionDeniedError('live queries are disabled');
  await ctx.deps.results.health();
}

export async function resultStoreStatus(ctx: Ctx): Promise<void> {
  authorize(ctx, 'app_config:read');
  await ctx.deps.results.health();
}

export type RunInput = { query?: string | null; queryId?: number | null };

/** The query a campaign runs: saved, or ad-hoc SQL stored with the campaign. */
type CampaignQuery = { saved: SavedQuery } | { adHoc: { name: string; sql: string } };

const observerCanRun = (q: CampaignQuery): boolean => 'saved' in q && q.saved.observerCanRun;

/** Steps 1–4 of Fleet's NewDistributedQueryCampaign: enabled, query given, query known, allowed. */
async function resolveQuery(ctx: Ctx, input: RunInput): Promise<CampaignQuery> {
  await liveQueryStatus(ctx);
  const viewer = requireViewer(ctx);
  const { store, clock } = ctx.deps;
  if (!input.queryId && (input.query ?? '').trim() === '') {
    throw ValidationError.of('query', 'one of query or query_id must be specified');
  }
  if (input.queryId) {
    const [query] = await store.savedQueries.byIds([input.queryId]);
    if (!query) throw new NotFoundError('Query', input.queryId);
    if (!can(viewer, query.observerCanRun ? 'query:run_observer' : 'query:run')) throw new ForbiddenError();
    return { saved: query };
  }
  authorize(ctx, 'query:run_new');
  const sql = input.query!;
  verifySql(sql);
  // Fleet's distributed_<email>_<unix time>; random digits keep two in one tick apart.
  const name = `distributed_${viewer.user.email}_${clock().getTime()}${String(randomInt(1e12)).padStart(12, '0')}`;
  return { adHoc: { name, sql } };
}

export type CampaignWithMetrics = { campaign: Campaign; metrics: HostCounts };

async function start(ctx: Ctx, query: CampaignQuery, targets: HostTargets, hostIds: number[]): Promise<CampaignWithMetrics> {
  const viewer = requireViewer(ctx);
  const { store, clock, live } = ctx.deps;
  // Checked before anything is written, so a refused campaign leaves nothing behind.
  if (hostIds.length === 0) throw new BadRequestError('no hosts targeted');
  const campaign = await store.campaigns.create(
    { query: 'saved' in query ? { id: query.saved.id } : query.adHoc, userId: viewer.user.id, targets, hostIds },
    clock(),
  );
  live.open(campaign, 'saved' in query ? query.saved.query : query.adHoc.sql, hostIds);
  const metrics = await campaignTotals(ctx.deps, campaign.id);
  return { campaign, metrics };
}

async function campaignTotals(deps: Deps, campaignId: number): Promise<HostCounts> {
  await deps.seen.flush();
  return deps.store.hosts.count({ visibility: { all: true }, campaignId, now: deps.clock() });
}

/** POST /queries/run: hosts, labels and teams by id. */
export async function runLiveQuery(ctx: Ctx, input: RunInput, selected: HostTargets): Promise<CampaignWithMetrics> {
  const query = await resolveQuery(ctx, input);
  const hostIds = await targetHostIds(ctx, selected, observerCanRun(query));
  return start(ctx, query, selected, hostIds);
}

/** POST /queries/run_by_names: hosts by hostname, labels by name; unknown hostnames are ignored. */
export async function runLiveQueryByNames(
  ctx: Ctx,
  input: RunInput,
  selected: { hostnames: string[]; labelNames: string[] },
): Promise<CampaignWithMetrics> {
  const query = await resolveQuery(ctx, input);
  const viewer = requireViewer(ctx);
  const { store } = ctx.deps;
  const labels = await store.labels.byNames(selected.labelNames);
  const unknown = selected.labelNames.filter((n) => !labels.some((l) => l.name === n));
  if (unknown.length > 0) throw new BadRequestError(`[${unknown.join(', ')}] Invalid label name(s):`);
  const visibility = hostVisibility(viewer, true);
  const hosts = (await store.hosts.byHostnames(selected.hostnames)).filter(
    (h) => visibility.all || (h.teamId !== null && visibility.teamIds.includes(h.teamId)),
  );
  const targets: HostTargets = { hostIds: hosts.map((h) => h.id), labelIds: labels.map((l) => l.id), teamIds: [] };
  const hostIds = await targetHostIds(ctx, targets, observerCanRun(query));
  return start(ctx, query, targets, hostIds);
}

/** A campaign its creator may see. Fleet lets nobody else watch it, admins included. */
export async function getCampaign(ctx: Ctx, campaignId: number): Promise<Campaign> {
  const viewer = requireViewer(ctx);
  const campaign = await ctx.deps.store.campaigns.byId(campaignId);
  if (!campaign) throw new NotFoundError('Campaign', campaignId);
  if (campaign.userId !== viewer.user.id) throw new ForbiddenError();
  return campaign;
}

export async function campaignQuery(ctx: Ctx, campaign: Campaign): Promise<SavedQuery> {
  const [query] = await ctx.deps.store.savedQueries.byIds([campaign.queryId]);
  if (!query) throw new NotFoundError('Query', campaign.queryId);
  return query;
}

export async function campaignMetrics(ctx: Ctx, campaign: Campaign): Promise<HostCounts> {
  return ctx.deps.live.totals(campaign.id, () => campaignTotals(ctx.deps, campaign.id));
}

export async function campaignResults(ctx: Ctx, campaign: Campaign, afterSeq: number, limit: number): Promise<CampaignResult[]> {
  return ctx.deps.results.read(campaign.id, afterSeq, limit);
}

export async function campaignResultCount(ctx: Ctx, campaign: Campaign): Promise<number> {
  return (await ctx.deps.results.head(campaign.id)).seq;
}

export type CampaignTotals = { count: number; online: number; offline: number; missingInAction: number };
export type CampaignStatusEvent = { expectedResults: number; actualResults: number; status: 'pending' | 'finished' };

export type CampaignEvent =
  | ({ kind: 'totals' } & CampaignTotals)
  | ({ kind: 'status' } & CampaignStatusEvent)
  | { kind: 'result'; result: CampaignResult }
  /** `fatal`: the stream ends after this error (the subscriber was dropped). */
  | { kind: 'error'; message: string; fatal: boolean };

const TICK_MS = 1000;
const BATCH = 256;
/** How long a dropped subscriber has to take its error event before its connection is cut. */
const DROP_GRACE_MS = 2000;

/**
 * One event object per stored result, shared by every subscriber that streams it, so transports
 * can cache work per event (a serialized frame, a GraphQL execution) instead of per subscriber.
 */
const resultEvents = new WeakMap<CampaignResult, CampaignEvent>();
const sharedEvents = new WeakSet<object>();
function resultEvent(result: CampaignResult): CampaignEvent {
  let event = resultEvents.get(result);
  if (!event) {
    resultEvents.set(result, (event = { kind: 'result', result }));
    sharedEvents.add(event);
  }
  return event;
}

/**
 * Whether one event object reaches many subscribers (results, the drop notice), so work done for
 * it is worth caching; totals and status events are each subscriber's own.
 */
export const isSharedEvent = (event: unknown): boolean => typeof event === 'object' && event !== null && sharedEvents.has(event);

/** The arrays `campaignEvents` yields, told apart from any other value a stream could carry. */
const eventBatches = new WeakSet<CampaignEvent[]>();
export const isEventBatch = (value: unknown): value is CampaignEvent[] => Array.isArray(value) && eventBatches.has(value);

/**
 * The conversation after select_campaign, as an async stream: totals and status first (each only
 * when it changed), then every result from `afterSeq` on, in order, exactly once. Events come in
 * batches, all that one read of the store found (up to 256 results and what they changed), and a
 * stream is woken at most once per turn of the event loop (`wakeSoon`), so a busy campaign costs
 * each subscriber one step of its stream per turn rather than one per result. A subscriber that
 * falls `subscriberMaxLag` results further behind than where it started is dropped with an error.
 * Watching keeps the campaign alive; leaving starts its 60 s clock.
 *
 * Status is re-checked at least once a second and at once when the results reach the online
 * hosts, but not after every result: progress counts are coalesced to one a second per subscriber
 * while results flow, so `finished` is still immediate and a busy campaign does not double its
 * messages.
 *
 * `return()` (a socket closing, an unsubscribe) ends the stream at once even while it waits for
 * events: an async generator would queue it behind the pending `next()`, which may never settle,
 * and the campaign would stay watched forever.
 */
export function campaignEvents(ctx: Ctx, campaignId: number, afterSeq = 0): AsyncGenerator<CampaignEvent[]> {
  const stop: Stop = { stopped: false };
  const inner = streamEvents(ctx, campaignId, afterSeq, stop);
  const halt = () => {
    stop.stopped = true;
    stop.wake?.();
  };
  const outer: AsyncGenerator<CampaignEvent[]> = {
    next: (...args) => inner.next(...args),
    return: (value) => (halt(), inner.return(value)),
    throw: (err) => (halt(), inner.throw(err)),
    [Symbol.asyncIterator]: () => outer,
  };
  return outer;
}

/**
 * `signalled`: results arrived since the stream last read, so it must not sleep; `totalsChanged`:
 * the campaign's totals moved, so status and totals need a fresh look.
 */
type Stop = {
  stopped: boolean;
  signalled?: boolean;
  totalsChanged?: boolean;
  dropped?: boolean;
  wake?: () => void;
  due?: NodeJS.Timeout;
  soon?: NodeJS.Immediate;
};

/** Sleeps until `stop.wake()` is called: by new results, a totals change, or `wakeIn`. */
async function sleep(stop: Stop): Promise<void> {
  await new Promise<void>((resolve) => {
    stop.wake = resolve;
  });
  stop.wake = undefined;
}

/**
 * Wakes the sleeper `ms` from now unless a wake-up is already set. While results stream, a waiter
 * sleeps and wakes once per turn of the event loop that brought results; one timer left running
 * across those wake-ups costs far less than a timer set and cleared for each of them. The owner
 * clears `stop.due` when it is done.
 */
function wakeIn(stop: Stop, ms: number): void {
  if (stop.due) return;
  stop.due = setTimeout(() => {
    stop.due = undefined;
    stop.wake?.();
  }, Math.max(0, ms));
}

/**
 * Wakes the sleeper once the event loop has handled the I/O at hand. Under load one turn of the
 * loop takes many agents' answers: woken at each, a subscriber would read and send them one at a
 * time; woken here, it reads the turn's results as one batch. The owner clears `stop.soon`.
 */
function wakeSoon(stop: Stop): void {
  stop.soon ??= setImmediate(wakeNow, stop);
}
function wakeNow(stop: Stop): void {
  stop.soon = undefined;
  stop.wake?.();
}

const DROPPED: CampaignEvent = { kind: 'error', message: 'subscriber too slow: dropped after falling behind the campaign', fatal: true };
sharedEvents.add(DROPPED);

async function* streamEvents(ctx: Ctx, campaignId: number, afterSeq: number, stop: Stop): AsyncGenerator<CampaignEvent[]> {
  // Fleet checks the right to run observer queries before it looks the campaign up.
  authorize(ctx, 'query:run_observer');
  const campaign = await getCampaign(ctx, campaignId);
  const { live, results, campaignLimits } = ctx.deps;
  let cursor = afterSeq;
  let startLag = Number.POSITIVE_INFINITY;
  let cutTimer: NodeJS.Timeout | undefined;
  const unwatch = results.watch(campaign.id, (headSeq) => {
    stop.signalled = true;
    // Judged here, on every append, because a reader stuck on a full socket does not come back to
    // this stream to be judged. It is told (the error event) if it comes back soon; if not, its
    // connection is cut, so its sender and buffers let go.
    if (!stop.dropped && headSeq - cursor > startLag + campaignLimits.subscriberMaxLag) {
      stop.dropped = true;
      live.noteDropped();
      cutTimer = setTimeout(() => ctx.disconnect?.(), DROP_GRACE_MS);
      cutTimer.unref();
    }
    wakeSoon(stop);
  });
  const unwatchTotals = live.watchTotals(
    campaign.id,
    () => campaignTotals(ctx.deps, campaign.id),
    () => {
      stop.totalsChanged = true;
      stop.wake?.();
    },
  );
  await live.attach(campaign.id);
  try {
    let sentTotals = { count: 0, online: 0, offline: 0, missingInAction: 0 };
    let sentStatus: CampaignStatusEvent = { expectedResults: 0, actualResults: 0, status: 'pending' };
    let everFinished = false;
    let cappedReported = false;
    let checkedAt = 0;
    let online = 0;
    startLag = Math.max(0, (await results.head(campaign.id)).seq - cursor);

    // Totals of a campaign that is over cannot change in a way worth re-counting: count once.
    let finalMetrics: HostCounts | undefined;
    const metrics = async (): Promise<HostCounts> => {
      if (finalMetrics) return finalMetrics;
      if (live.isOpen(campaign.id)) return campaignMetrics(ctx, campaign);
      return (finalMetrics = await campaignMetrics(ctx, campaign));
    };

    // Events found since the last yield, in order; yielded before the stream waits for anything
    // but the store.
    let pending: CampaignEvent[] = [];
    const take = (): CampaignEvent[] => {
      const events = pending;
      pending = [];
      eventBatches.add(events);
      return events;
    };

    const check = async (): Promise<void> => {
      checkedAt = Date.now();
      stop.totalsChanged = false;
      const m = await metrics();
      online = m.online;
      const totals = { count: m.total, online: m.online, offline: m.offline, missingInAction: m.mia };
      if (JSON.stringify(totals) !== JSON.stringify(sentTotals)) {
        sentTotals = totals;
        pending.push({ kind: 'totals', ...totals });
      }
      everFinished ||= cursor >= m.online;
      const status: CampaignStatusEvent = {
        expectedResults: m.online,
        actualResults: cursor,
        status: everFinished ? 'finished' : 'pending',
      };
      if (JSON.stringify(status) !== JSON.stringify(sentStatus)) {
        sentStatus = status;
        pending.push({ kind: 'status', ...status });
      }
    };
    const checkDue = () => Date.now() - checkedAt >= TICK_MS;

    await check();
    for (;;) {
      stop.signalled = false;
      const batch = await results.read(campaign.id, cursor, BATCH);
      for (const result of batch) {
        if (stop.dropped) break;
        cursor = result.seq;
        pending.push(resultEvent(result));
      }
      if (stop.dropped) {
        pending.push(DROPPED);
        yield take();
        return;
      }
      const head = await results.head(campaign.id);
      if (head.capped && !cappedReported && cursor >= head.seq) {
        cappedReported = true;
        pending.push({ kind: 'error', message: `result cap reached: ${head.rows} rows kept, later results dropped`, fatal: false });
      }
      if (batch.length > 0) {
        if (checkDue() || (!everFinished && cursor >= online)) await check();
        // Nothing appended since the read (the flag was cleared before it): no need to read again.
        if (batch.length === BATCH || stop.signalled) {
          yield take();
          continue;
        }
      }
      if (stop.stopped) return;
      if (stop.totalsChanged) await check();
      if (pending.length > 0) yield take();
      // Either may have been raised while the consumer held the batch, when no one was asleep to wake.
      if (stop.signalled || stop.totalsChanged) continue;
      // Idle: sleep until results or a totals change wake us, or until the coalesced progress count is due.
      if (cursor !== sentStatus.actualResults) wakeIn(stop, TICK_MS - (Date.now() - checkedAt));
      await sleep(stop);
      if (stop.stopped) return;
      if (stop.totalsChanged || checkDue()) await check();
    }
  } finally {
    clearTimeout(cutTimer);
    clearTimeout(stop.due);
    clearImmediate(stop.soon);
    unwatchTotals();
    unwatch();
    live.detach(campaign.id);
  }
}

export type SyncRun = {
  queryId: number;
  targetedHostCount: number;
  /**
   * The results in batches, as hosts answer, ending once the campaign is over. Reading them is not
   * what ends it: a consumer that reads slowly (or never) still sees it completed on time.
   */
  results: AsyncGenerator<CampaignResult[], void>;
};

/**
 * Fleet's later synchronous run. The checks and the campaign happen here, so their errors come
 * before any answer; the results follow as they arrive, so a transport can send the answer while it
 * waits instead of building it all after the last host.
 *
 * The campaign is completed once every targeted online host has answered, at the timeout, or when
 * `signal` aborts (the caller left), whichever is first, whether or not the results are being read
 * at that moment; the results then end with what had arrived by then.
 */
export async function startSavedQuerySync(
  ctx: Ctx,
  queryId: number,
  hostIds: number[],
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<SyncRun> {
  const { campaignLimits, results, live } = ctx.deps;
  const wait = Math.min(Math.max(opts.timeoutMs ?? campaignLimits.syncDefaultTimeoutMs, 0), campaignLimits.syncMaxTimeoutMs);
  const { campaign, metrics } = await runLiveQuery(ctx, { queryId }, { hostIds, labelIds: [], teamIds: [] });
  const { signal } = opts;
  const stop: Stop = { stopped: false };
  const reader = { started: false, ended: false };
  let completed: Promise<void> | undefined;
  // The callbacks below run only later (a timer, an append, an abort), once `finish` exists.
  const deadline = setTimeout(() => void finish(), wait);
  // Answers that come in one turn of the event loop are read together; the last one ends the
  // campaign at once, even while the reader is busy with an earlier batch.
  const unwatchStore = results.watch(campaign.id, (headSeq) => {
    if (headSeq >= metrics.online) void finish();
    stop.signalled = true;
    wakeSoon(stop);
  });
  let watching = true;
  const unwatch = () => {
    if (watching) unwatchStore();
    watching = false;
  };
  const finish = (): Promise<void> => {
    if (!completed) {
      clearTimeout(deadline);
      signal?.removeEventListener('abort', abandon);
      // A reader still to come keeps the store's stream (in memory) until its last read.
      if (!reader.started || reader.ended) unwatch();
      live.detach(campaign.id);
      completed = live.complete(campaign.id);
      // Reported by the results' reader, which awaits it last; never left unhandled.
      completed.catch(() => undefined);
      stop.wake?.();
    }
    return completed;
  };
  const abandon = () => {
    stop.stopped = true;
    void finish();
  };
  signal?.addEventListener('abort', abandon, { once: true });
  try {
    await live.attach(campaign.id);
  } catch (err) {
    await finish().catch(() => undefined);
    throw err;
  }
  if (signal?.aborted) abandon();
  else if (metrics.online === 0) void finish();
  return {
    queryId,
    targetedHostCount: metrics.total,
    results: syncResults(ctx.deps, campaign.id, { stop, reader, finish, unwatch, over: () => completed !== undefined }),
  };
}

type SyncReading = {
  stop: Stop;
  reader: { started: boolean; ended: boolean };
  finish: () => Promise<void>;
  unwatch: () => void;
  over: () => boolean;
};

async function* syncResults(deps: Deps, campaignId: number, run: SyncReading): AsyncGenerator<CampaignResult[], void> {
  const { stop, reader } = run;
  reader.started = true;
  try {
    let taken = 0;
    while (!stop.stopped) {
      stop.signalled = false;
      // Once over, one more read takes whatever came before the end.
      const last = run.over();
      const fresh = await deps.results.read(campaignId, taken, Number.MAX_SAFE_INTEGER);
      taken += fresh.length;
      if (fresh.length > 0 && !stop.stopped) yield fresh;
      if (last || stop.stopped) return;
      if (stop.signalled || run.over()) continue;
      await sleep(stop);
    }
  } finally {
    reader.ended = true;
    clearImmediate(stop.soon);
    run.unwatch();
    await run.finish();
  }
}
