import { afterEach, describe, expect, it } from 'vitest';
import { restClient } from '../helpers/clients.js';
import { ADMIN, startApp } from '../helpers/harness.js';
import { answerLive, enrollHost, liveName, liveQueries, runCampaign } from '../helpers/live-hosts.js';
import { closeAllSockets, connectResults, isType } from '../helpers/sockets.js';

afterEach(() => closeAllSockets());

describe('a restart on the same SQLite file', () => {
  it('should keep open campaigns: pending hosts still get the query and results stream from the start', async () => {
    const first = await startApp();
    const rest = restClient(first.url);
    await rest('POST', '/api/v1/fleet/spec/enroll_secret', { token: first.adminToken, body: { spec: { secrets: [{ secret: 'global' }] } } });
    const h1 = await enrollHost(first, 'one.local');
    const h2 = await enrollHost(first, 'two.local');
    const campaignId = await runCampaign(first, [h1.id, h2.id], { query: 'SELECT 42 AS answer' });
    await liveQueries(first.url, h1);
    expect((await answerLive(first.url, h1, campaignId, [{ answer: '42' }])).status).toBe(200);
    await first.app.stop();

    const second = await startApp({ db: first.dbPath }, { setup: false });
    const login = await restClient(second.url)('POST', '/api/v1/fleet/login', { body: { email: ADMIN.email, password: ADMIN.password } });
    expect(login.status).toBe(200);

    expect(Object.keys(await liveQueries(second.url, h1))).toEqual([]);
    expect(await liveQueries(second.url, h2)).toEqual({ [liveName(campaignId)]: 'SELECT 42 AS answer' });

    const watcher = await connectResults(second.url, { kind: 'raw', version: 'v1' });
    watcher.send({ type: 'auth', data: { token: login.body.token } });
    watcher.send({ type: 'select_campaign', data: { campaign_id: campaignId } });
    const before = await watcher.inbox.waitFor(isType('result'), 5000);
    expect(before.data.host.hostname).toBe('one.local');
    await answerLive(second.url, h2, campaignId, [{ answer: '42' }]);
    const after = await watcher.inbox.waitFor(isType('result'), 5000);
    expect(after.data.host.hostname).toBe('two.local');
    const finished = await watcher.inbox.waitFor((m) => m.type === 'status' && m.data.status === 'finished', 5000);
    expect(finished.data).toEqual({ expected_results: 2, actual_results: 2, status: 'finished' });
  });
});
