/** Campaigns and their results in Fleet's JSON. */
import type { CampaignEvent, CampaignWithMetrics, SyncRun } from '../resolvers/campaigns.js';
import type { CampaignResult } from '../resolvers/model.js';

import { LRUCache } from 'lru-cache';
import { iso } from './wire.js';

/** Fleet's campaign: `Metrics` has no JSON tags in Fleet, hence its PascalCase keys. */
export const campaignJson = ({ campaign, metrics }: CampaignWithMetrics) => ({
  created_at: iso(campaign.createdAt),
  updated_at: iso(campaign.updatedAt),
  Metrics: {
    TotalHosts: metrics.total,
    OnlineHosts: metrics.online,
    OfflineHosts: metrics.offline,
    MissingInActionHosts: metrics.mia,
    NewHosts: metrics.new,
  },
  id: campaign.id,
  query_id: campaign.queryId,
  status: campaign.status,
  user_id: campaign.userId,
});

/** Every row carries the host's name, as Fleet adds it. */
export const resultRows = (r: CampaignResult) =>
  r.rows.map((row) => ({ ...row, host_hostname: r.hostname, host_display_name: r.displayName }));

/**
 * Recent results' frames (at most 4,096, 64 M characters, 10 s). Subscribers that keep up share one
 * serialization per result; one that reads old results (a late or slow reader) serializes them
 * again rather than every result of every open campaign staying in memory twice.
 */
const frames = new LRUCache<CampaignResult, string>({ max: 4096, ttl: 10_000, ttlResolution: 1000, maxSize: 64 * 1024 * 1024, sizeCalculation: (frame) => frame.length || 1 });
setInterval(() => frames.purgeStale(), 10_000).unref();

/**
 * One result as Fleet's socket message, serialized once and shared by every socket that sends it
 * (results are immutable once stored).
 */
export function resultFrame(r: CampaignResult): string {
  let frame = frames.get(r);
  if (frame === undefined) {
    frame = JSON.stringify({
      type: 'result',
      data: {
        distributed_query_execution_id: r.campaignId,
        host: { id: r.hostId, hostname: r.hostname, display_name: r.displayName },
        rows: resultRows(r),
        error: r.error,
      },
    });
    frames.set(r, frame);
  }
  return frame;
}

/** Any campaign event as Fleet's `{"type", "data"}` socket message. */
export function eventFrame(e: CampaignEvent): string {
  switch (e.kind) {
    case 'result':
      return resultFrame(e.result);
    case 'totals':
      return JSON.stringify({
        type: 'totals',
        data: { count: e.count, online: e.online, offline: e.offline, missing_in_action: e.missingInAction },
      });
    case 'status':
      return JSON.stringify({
        type: 'status',
        data: { expected_results: e.expectedResults, actual_results: e.actualResults, status: e.status },
      });
    case 'error':
      return JSON.stringify({ type: 'error', data: e.message });
  }
}

/**
 * The synchronous run's answer as text pieces, sent while hosts answer: Fleet's keys, with
 * `responded_host_count` last because it is known only at the end (JSON key order is not
 * meaningful). Each batch of results becomes one piece.
 */
export async function* syncAnswerJson(run: SyncRun): AsyncGenerator<string, void> {
  let responded = 0;
  let sep = '';
  yield `{"query_id":${run.queryId},"targeted_host_count":${run.targetedHostCount},"results":[`;
  for await (const batch of run.results) {
    let piece = '';
    for (const r of batch) {
      piece += `${sep}${JSON.stringify({ host_id: r.hostId, rows: resultRows(r), error: r.error })}`;
      sep = ',';
    }
    responded += batch.length;
    yield piece;
  }
  yield `],"responded_host_count":${responded}}`;
}
