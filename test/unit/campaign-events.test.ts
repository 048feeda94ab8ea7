/**
 * The campaign event stream against a real store and the real totals watcher: a change of the
 * campaign's totals that lands while the consumer still holds a batch (nobody asleep to wake) must
 * not be lost, or `finished` would never come.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { campaignEvents, runLiveQuery, type CampaignEvent } from '../../resolvers/campaigns.js';
import { makeEnv, NOW } from './helpers.js';

const describeBatch = (batch: CampaignEvent[] | undefined) =>
  (batch ?? []).map((e) => (e.kind === 'status' ? `status ${e.actualResults}/${e.expectedResults} ${e.status}` : e.kind));

describe('campaignEvents', () => {
  it('should send finished after the totals change while the consumer holds a batch', async () => {
    const env = await makeEnv();
    const hosts = [await env.host('a.example.org'), await env.host('b.example.org')];
    const { campaign } = await runLiveQuery(env.admin, { query: 'SELECT 1' }, { hostIds: hosts, labelIds: [], teamIds: [] });
    const events = campaignEvents(env.admin, campaign.id);
    try {
      expect(describeBatch((await events.next()).value)).toEqual(['totals', 'status 0/2 pending']);
      // Past the one-second progress tick, so the next batch ends with a fresh status and the
      // stream has nothing left to report when it is handed over.
      await sleep(2200);
      await env.deps.results.append(campaign.id, { hostId: hosts[0]!, hostname: 'a.example.org', displayName: 'a', rows: [], error: null, createdAt: NOW });
      expect(describeBatch((await events.next()).value)).toEqual(['result', 'status 1/2 pending']);
      // While that batch is held, both hosts go offline; the totals watcher (once a second) sees it.
      env.deps.setNow(new Date(NOW.getTime() + 86_400_000));
      await sleep(1500);
      const next = await Promise.race([events.next(), sleep(3000).then(() => ({ value: undefined }))]);
      expect(describeBatch(next.value)).toEqual(['totals', 'status 1/0 finished']);
    } finally {
      await events.return(undefined);
    }
  }, 15_000);
});
