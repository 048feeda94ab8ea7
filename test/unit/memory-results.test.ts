import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryResultStore } from '../../db/memory-results.js';
import type { Campaign, CampaignResult } from '../../resolvers/model.js';
import type { HostCounts, ResultStore } from '../../resolvers/ports.js';
import { makeEnv, NOW, type Env } from './helpers.js';

let env: Env;
const opened: ResultStore[] = [];
beforeEach(async () => {
  env = await makeEnv();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((r) => r.close()));
});

const openResults = (maxRowsPerCampaign = 1000): ResultStore => {
  const results = createMemoryResultStore(env.store.campaigns, {
    maxRowsPerCampaign,
    onError: (err) => {
      throw err;
    },
  });
  opened.push(results);
  return results;
};

const newCampaign = (): Promise<Campaign> =>
  env.store.campaigns.create(
    { query: { name: `q-${Math.random()}`, sql: 'SELECT 1' }, userId: env.admin.viewer!.user.id, targets: { hostIds: [], labelIds: [], teamIds: [] }, hostIds: [] },
    NOW,
  );

const answer = (hostname: string) => ({ hostId: 1, hostname, displayName: hostname, rows: [{ n: hostname }], error: null, createdAt: NOW });
const persisted = (campaignId: number, seq: number): CampaignResult => ({ ...answer(`stored-${seq}`), campaignId, seq });
const hostnames = (rs: CampaignResult[]) => rs.map((r) => r.hostname);

describe('createMemoryResultStore', () => {
  it('gives results appended while the persisted ones load the next seqs, dense and unique', async () => {
    const { id } = await newCampaign();
    await env.store.campaigns.appendResults([persisted(id, 1), persisted(id, 2)]);
    const results = openResults();
    const appended = await Promise.all(['a', 'b', 'c'].map((h) => results.append(id, answer(h))));
    expect(appended.map((r) => r?.seq)).toEqual([3, 4, 5]);
    expect((await results.read(id, 0, 100)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(await results.head(id)).toEqual({ seq: 5, rows: 5, capped: false });
    await results.close();
    expect((await env.store.campaigns.results(id, 0, 100)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('answers a watched campaign only once its persisted results are loaded', async () => {
    const { id } = await newCampaign();
    await env.store.campaigns.appendResults([persisted(id, 1), persisted(id, 2)]);
    const results = openResults();
    const unwatch = results.watch(id, () => undefined);
    expect(await results.head(id)).toEqual({ seq: 2, rows: 2, capped: false });
    expect(hostnames(await results.read(id, 1, 10))).toEqual(['stored-2']);
    unwatch();
  });

  it('wakes watchers on every append until they leave', async () => {
    const { id } = await newCampaign();
    const results = openResults();
    let woken = 0;
    const unwatch = results.watch(id, () => (woken += 1));
    await results.append(id, answer('a'));
    await results.append(id, answer('b'));
    unwatch();
    await results.append(id, answer('c'));
    expect(woken).toBe(2);
  });

  it("keeps a completed campaign's results readable after release, then reads them from storage", async () => {
    const { id } = await newCampaign();
    const results = openResults();
    await results.append(id, answer('a'));
    await results.append(id, answer('b'));
    results.release(id);
    await results.health();
    expect(hostnames(await results.read(id, 0, 10))).toEqual(['a', 'b']);
    expect(await results.head(id)).toEqual({ seq: 2, rows: 2, capped: false });
    // Nothing is cached any more: what storage holds is what a read answers.
    await env.store.campaigns.appendResults([persisted(id, 3)]);
    expect(hostnames(await results.read(id, 0, 10))).toEqual(['a', 'b', 'stored-3']);
    expect(await results.head(id)).toEqual({ seq: 3, rows: 3, capped: false });
  });

  it('keeps a completed campaign cached while watched and drops it when its last watcher leaves', async () => {
    const { id } = await newCampaign();
    const results = openResults();
    await results.append(id, answer('a'));
    const first = results.watch(id, () => undefined);
    const second = results.watch(id, () => undefined);
    results.release(id);
    await results.health();
    await env.store.campaigns.appendResults([persisted(id, 2)]);
    expect(hostnames(await results.read(id, 0, 10))).toEqual(['a']);
    first();
    await results.health();
    expect(hostnames(await results.read(id, 0, 10))).toEqual(['a']);
    second();
    await results.health();
    expect(hostnames(await results.read(id, 0, 10))).toEqual(['a', 'stored-2']);
  });

  it('refuses results past the row cap and reports it', async () => {
    const { id } = await newCampaign();
    const results = openResults(2);
    expect((await results.append(id, answer('a')))?.seq).toBe(1);
    expect((await results.append(id, { ...answer('b'), rows: [{ n: '1' }, { n: '2' }] }))).toBeUndefined();
    expect(await results.append(id, answer('c'))).toBeUndefined();
    expect(await results.head(id)).toEqual({ seq: 1, rows: 1, capped: true });
  });
});

describe('LiveCampaigns.totals', () => {
  const COUNTS: HostCounts = { total: 3, online: 2, offline: 1, mia: 0, new: 0 };

  it('computes the totals of an open campaign once for callers arriving together', async () => {
    const campaign = await newCampaign();
    env.deps.live.open(campaign, 'SELECT 1', []);
    let computed = 0;
    const compute = async () => {
      computed += 1;
      return COUNTS;
    };
    expect(await Promise.all([1, 2, 3, 4].map(() => env.deps.live.totals(campaign.id, compute)))).toEqual([COUNTS, COUNTS, COUNTS, COUNTS]);
    expect(computed).toBe(1);
  });

  it('lets the next caller retry after a failed count', async () => {
    const campaign = await newCampaign();
    env.deps.live.open(campaign, 'SELECT 1', []);
    await expect(env.deps.live.totals(campaign.id, () => Promise.reject(new Error('busy')))).rejects.toThrow('busy');
    expect(await env.deps.live.totals(campaign.id, async () => COUNTS)).toEqual(COUNTS);
  });
});
