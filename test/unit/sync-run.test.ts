/**
 * The synchronous run's campaign ends on its own terms (every online host answered, the timeout,
 * or the caller gone), not when its results happen to be read: a reader that is slow, or never
 * reads, must not keep the campaign open and its hosts asked.
 */
import { describe, expect, it } from 'vitest';
import { startSavedQuerySync } from '../../resolvers/campaigns.js';
import { CAMPAIGN_STATUS } from '../../resolvers/model.js';
import { applyQuerySpecs } from '../../resolvers/saved-queries.js';
import { makeEnv, NOW, type Env } from './helpers.js';

async function setUp(hostnames: string[]) {
  const env = await makeEnv();
  const hosts = await Promise.all(hostnames.map((h) => env.host(h)));
  await applyQuerySpecs(env.admin, [{ name: 'sync', query: 'SELECT 1' }]);
  const queryId = (await env.store.savedQueries.byName('sync'))!.id;
  return { env, hosts, queryId };
}

const statusOf = async (env: Env, campaignId: number) => (await env.store.campaigns.byId(campaignId))?.status;
const answer = (env: Env, campaignId: number, hostId: number) =>
  env.deps.results.append(campaignId, { hostId, hostname: `h${hostId}`, displayName: `h${hostId}`, rows: [{ n: String(hostId) }], error: null, createdAt: NOW });
const latestCampaignId = async (env: Env) => Math.max(...(await env.store.campaigns.listOpen()).map((o) => o.campaign.id));

describe('startSavedQuerySync', () => {
  it('should complete the campaign at the timeout although nobody reads the results', async () => {
    const { env, hosts, queryId } = await setUp(['a', 'b']);
    const run = await startSavedQuerySync(env.admin, queryId, hosts, { timeoutMs: 200 });
    const id = await latestCampaignId(env);
    await answer(env, id, hosts[0]!);
    expect(await statusOf(env, id)).toBe(CAMPAIGN_STATUS.running);
    await expect.poll(() => statusOf(env, id), { timeout: 2000, interval: 50 }).toBe(CAMPAIGN_STATUS.complete);
    // Read afterwards, the results hold what came before the end, then stop.
    const batches = [];
    for await (const batch of run.results) batches.push(batch.map((r) => r.hostId));
    expect(batches).toEqual([[hosts[0]]]);
  });

  it('should complete the campaign at the last online answer while the reader still holds a batch', async () => {
    const { env, hosts, queryId } = await setUp(['a', 'b']);
    const run = await startSavedQuerySync(env.admin, queryId, hosts, { timeoutMs: 30_000 });
    const id = await latestCampaignId(env);
    await answer(env, id, hosts[0]!);
    expect((await run.results.next()).value?.map((r) => r.hostId)).toEqual([hosts[0]]);
    await answer(env, id, hosts[1]!);
    await expect.poll(() => statusOf(env, id), { timeout: 2000, interval: 20 }).toBe(CAMPAIGN_STATUS.complete);
    expect((await run.results.next()).value?.map((r) => r.hostId)).toEqual([hosts[1]]);
    expect((await run.results.next()).done).toBe(true);
  });

  it('should complete the campaign when the caller leaves, before any result is read', async () => {
    const { env, hosts, queryId } = await setUp(['a']);
    const left = new AbortController();
    const run = await startSavedQuerySync(env.admin, queryId, hosts, { timeoutMs: 30_000, signal: left.signal });
    const id = await latestCampaignId(env);
    left.abort();
    await expect.poll(() => statusOf(env, id), { timeout: 2000, interval: 20 }).toBe(CAMPAIGN_STATUS.complete);
    expect((await run.results.next()).done).toBe(true);
  });

  it('should end at once with nothing to wait for when no targeted host is online', async () => {
    const { env, hosts, queryId } = await setUp(['a']);
    env.deps.setNow(new Date(NOW.getTime() + 86_400_000));
    const run = await startSavedQuerySync(env.admin, queryId, hosts, { timeoutMs: 30_000 });
    // Completed before anything is read, not at the 30 s timeout.
    expect(await env.store.campaigns.listOpen()).toEqual([]);
    expect((await run.results.next()).done).toBe(true);
  });
});
