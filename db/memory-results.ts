/**
 * The in-process result store: each open campaign's results live in memory (appended once, read by
 * every subscriber without copying) and are written to the database in batches, off the hot path.
 * A campaign's stream is cached while results may still arrive (until `release`) or while someone
 * watches it; other reads go straight to the database.
 */
import type { CampaignResult } from '../resolvers/model.js';
import type { CampaignStore, ResultStore } from '../resolvers/ports.js';

type Stream = {
  /** Settles once the persisted results are in `log`; every use of the stream awaits it first. */
  ready: Promise<void>;
  log: CampaignResult[];
  seq: number;
  rows: number;
  capped: boolean;
  /** Results may still be appended: set by `append`, cleared by `release`. */
  live: boolean;
};

export type MemoryResultStoreOptions = {
  /** Rows kept per campaign; results past it are refused and the cap is reported. */
  maxRowsPerCampaign: number;
  flushMs?: number;
  onError?: (err: unknown) => void;
};

const countRows = (results: readonly CampaignResult[]): number => results.reduce((n, r) => n + r.rows.length, 0);

export function createMemoryResultStore(campaigns: CampaignStore, opts: MemoryResultStoreOptions): ResultStore {
  const streams = new Map<number, Stream>();
  const watchers = new Map<number, Set<(headSeq: number) => void>>();
  let pending: CampaignResult[] = [];
  let writing: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (pending.length > 0) {
      const batch = pending;
      pending = [];
      writing = writing.then(() => campaigns.appendResults(batch)).catch((err: unknown) => opts.onError?.(err));
    }
    return writing;
  };
  const timer = setInterval(() => void flush(), opts.flushMs ?? 100);
  timer.unref();

  const notify = (campaignId: number, headSeq: number) => {
    for (const w of watchers.get(campaignId) ?? []) w(headSeq);
  };

  /**
   * The cached stream, created on first use (e.g. after a restart) from what was persisted. Until
   * that load settles nothing reads or appends, so seqs continue after the persisted ones.
   */
  const cached = (campaignId: number): Stream => {
    let s = streams.get(campaignId);
    if (!s) {
      const created: Stream = { ready: Promise.resolve(), log: [], seq: 0, rows: 0, capped: false, live: false };
      created.ready = campaigns.results(campaignId, 0, Number.MAX_SAFE_INTEGER).then(
        (stored) => {
          created.log = stored;
          created.seq = stored.at(-1)?.seq ?? 0;
          created.rows = countRows(stored);
        },
        (err: unknown) => {
          if (streams.get(campaignId) === created) streams.delete(campaignId);
          throw new Error(`loading the results of campaign ${campaignId}`, { cause: err });
        },
      );
      streams.set(campaignId, (s = created));
    }
    return s;
  };

  /** Drops a stream nobody needs any more, once its results are persisted (later reads find them there). */
  const dropIfIdle = (campaignId: number) => {
    void flush().then(() => {
      const s = streams.get(campaignId);
      if (s && !s.live && !watchers.has(campaignId)) streams.delete(campaignId);
    });
  };

  return {
    async append(campaignId, result) {
      const s = cached(campaignId);
      s.live = true;
      await s.ready;
      if (s.capped) return undefined;
      if (s.rows + result.rows.length > opts.maxRowsPerCampaign) {
        s.capped = true;
        notify(campaignId, s.seq);
        return undefined;
      }
      // A literal, not `{ ...result, campaignId, seq }`: V8 gives a spread plus new keys about four
      // times the memory of the same fields written out (see the query spec upsert in spec-apply).
      const stored: CampaignResult = {
        campaignId,
        seq: ++s.seq,
        hostId: result.hostId,
        hostname: result.hostname,
        displayName: result.displayName,
        rows: result.rows,
        error: result.error,
        createdAt: result.createdAt,
      };
      s.rows += result.rows.length;
      s.log.push(stored);
      pending.push(stored);
      notify(campaignId, s.seq);
      return stored;
    },
    async read(campaignId, afterSeq, limit) {
      const s = streams.get(campaignId);
      if (!s) return campaigns.results(campaignId, afterSeq, limit);
      await s.ready;
      // seq is 1-based and dense, so the log index of seq n is n - 1.
      return s.log.slice(afterSeq, afterSeq + limit);
    },
    async head(campaignId) {
      const s = streams.get(campaignId);
      if (!s) {
        const stored = await campaigns.results(campaignId, 0, Number.MAX_SAFE_INTEGER);
        return { seq: stored.at(-1)?.seq ?? 0, rows: countRows(stored), capped: false };
      }
      await s.ready;
      return { seq: s.seq, rows: s.rows, capped: s.capped };
    },
    watch(campaignId, listener) {
      let set = watchers.get(campaignId);
      if (!set) watchers.set(campaignId, (set = new Set()));
      set.add(listener);
      // Watchers read the stream every time they are woken: keep it cached while they watch.
      cached(campaignId).ready.catch((err: unknown) => opts.onError?.(err));
      const watching = set;
      return () => {
        watching.delete(listener);
        if (watching.size === 0 && watchers.get(campaignId) === watching) {
          watchers.delete(campaignId);
          dropIfIdle(campaignId);
        }
      };
    },
    release(campaignId) {
      const s = streams.get(campaignId);
      if (!s) return;
      s.live = false;
      dropIfIdle(campaignId);
    },
    async health() {
      await writing;
    },
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
