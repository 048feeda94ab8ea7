/**
 * The in-process result store: each open campaign's results live in memory (appended once, read by
 * every subscriber without copying) and are written to the database in batches, off the hot path.
 */
import type { CampaignResult } from '../resolvers/model.js';
import type { CampaignStore, ResultStore } from '../resolvers/ports.js';

type Stream = { log: CampaignResult[]; loaded: boolean; seq: number; rows: number; capped: boolean; watchers: Set<() => void> };

export type MemoryResultStoreOptions = {
  /** Rows kept per campaign; results past it are refused and the cap is reported. */
  maxRowsPerCampaign: number;
  flushMs?: number;
  onError?: (err: unknown) => void;
};

export function createMemoryResultStore(campaigns: CampaignStore, opts: MemoryResultStoreOptions): ResultStore {
  const streams = new Map<number, Stream>();
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

  /** A campaign seen for the first time (e.g. after a restart) resumes from what was persisted. */
  const stream = async (campaignId: number): Promise<Stream> => {
    let s = streams.get(campaignId);
    if (!s) {
      s = { log: [], loaded: false, seq: 0, rows: 0, capped: false, watchers: new Set() };
      streams.set(campaignId, s);
      const stored = await campaigns.results(campaignId, 0, Number.MAX_SAFE_INTEGER);
      // Appends made while loading already sit in the log; persisted ones go before them.
      s.log = [...stored, ...s.log.filter((r) => r.seq > (stored.at(-1)?.seq ?? 0))];
      s.seq = Math.max(s.seq, stored.at(-1)?.seq ?? 0);
      s.rows += stored.reduce((n, r) => n + r.rows.length, 0);
      s.loaded = true;
    }
    return s;
  };

  return {
    async append(campaignId, result) {
      const s = await stream(campaignId);
      if (s.capped) return undefined;
      if (s.rows + result.rows.length > opts.maxRowsPerCampaign) {
        s.capped = true;
        for (const w of s.watchers) w();
        return undefined;
      }
      const stored: CampaignResult = { ...result, campaignId, seq: ++s.seq };
      s.rows += result.rows.length;
      s.log.push(stored);
      pending.push(stored);
      for (const w of s.watchers) w();
      return stored;
    },
    async read(campaignId, afterSeq, limit) {
      const s = await stream(campaignId);
      // seq is 1-based and dense, so the log index of seq n is n - 1.
      return s.log.slice(afterSeq, afterSeq + limit);
    },
    async head(campaignId) {
      const s = await stream(campaignId);
      return { seq: s.seq, rows: s.rows, capped: s.capped };
    },
    watch(campaignId, listener) {
      let s = streams.get(campaignId);
      if (!s) {
        void stream(campaignId);
        s = streams.get(campaignId)!;
      }
      s.watchers.add(listener);
      const watched = s;
      return () => watched.watchers.delete(listener);
    },
    release(campaignId) {
      // Only once its results are persisted can a stream be dropped and later re-read from storage.
      void flush().then(() => {
        const s = streams.get(campaignId);
        if (s && s.watchers.size === 0) streams.delete(campaignId);
      });
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
