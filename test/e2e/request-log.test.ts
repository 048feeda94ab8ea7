/**
 * The request log: every request at `info`; at `warn` only requests that failed on the server or
 * whose agent data could not all be taken in, so a busy fleet's check-ins cost no log work.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { enroll, osquery } from '../helpers/agents.js';
import { restClient } from '../helpers/clients.js';
import { startApp, type TestApp } from '../helpers/harness.js';
import { untilMetric, metricValue } from '../helpers/live-hosts.js';
import { until } from '../helpers/poll.js';

type Line = { level: number; msg: string; method?: string; path?: string; status?: number; ms?: number; cut?: boolean; err?: unknown; ingestProblems?: string[] };

const DOWNLOAD = '/api/v1/fleet/download_installer/deb';

/**
 * Starts downloading a 64 MB installer and hangs up after the first bytes, as a browser whose user
 * cancels; resolves once the server has finished with the request (its request counter moved).
 */
async function abandonDownload(t: TestApp): Promise<void> {
  const dir = join(t.dir, 'installers', 'log-secret');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'fleet-osquery.deb'), Buffer.alloc(64 * 1024 * 1024));
  const before = await metricValue(t.url, 'fleetgraph_http_requests_total');
  await new Promise<void>((resolve, reject) => {
    const req = request(`${t.url}${DOWNLOAD}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      expect(res.statusCode).toBe(200);
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', (err) => (err.message.includes('aborted') || (err as { code?: string }).code === 'ECONNRESET' ? undefined : reject(err)));
    req.end(new URLSearchParams({ enroll_secret: 'log-secret', token: t.adminToken }).toString());
  });
  await untilMetric(t.url, 'fleetgraph_http_requests_total', (n) => n > before);
}

/** A server whose log lines are kept in memory, parsed. */
async function loggedApp(level: 'info' | 'warn') {
  const lines: Line[] = [];
  const log = pino({ level }, { write: (text: string) => void lines.push(JSON.parse(text) as Line) });
  const t = await startApp({}, { log });
  const rest = restClient(t.url);
  const secret = await rest('POST', '/api/v1/fleet/spec/enroll_secret', {
    token: t.adminToken,
    body: { spec: { secrets: [{ secret: 'log-secret' }] } },
  });
  expect(secret.status).toBe(200);
  const nodeKey = await enroll(t.url, 'log-secret', 'log-host');
  const requests = () => lines.filter((l) => l.msg === 'request');
  return { t, rest, nodeKey, requests };
}

describe('request log', () => {
  it('at info, logs every request once it is answered, with device tokens left out', async () => {
    const { t, rest, requests } = await loggedApp('info');
    expect((await rest('GET', '/api/v1/fleet/config', { token: t.adminToken })).status).toBe(200);
    expect((await rest('GET', '/api/v1/fleet/device/secret-device-token')).status).toBe(401);
    // Logged when the server closes the response, which may come just after the client has it.
    const logged = (path: string) => requests().some((l) => l.path === path);
    await until(() => logged('/api/v1/fleet/config') && logged('/api/v1/fleet/device/<token>'), 'both request lines');
    const config = requests().find((l) => l.path === '/api/v1/fleet/config');
    expect(config).toMatchObject({ level: 30, method: 'GET', status: 200 });
    expect(config?.ms).toBeGreaterThanOrEqual(0);
    const device = requests().find((l) => l.path?.includes('/device/'));
    expect(device).toMatchObject({ path: '/api/v1/fleet/device/<token>', status: 401 });
    expect(JSON.stringify(requests())).not.toContain('secret-device-token');
  });

  it('at warn, logs only the check-in whose data could not be taken in, as a warning with its problems', async () => {
    const { t, rest, nodeKey, requests } = await loggedApp('warn');
    expect((await rest('GET', '/api/v1/fleet/config', { token: t.adminToken })).status).toBe(200);
    expect((await osquery(t.url, '/api/osquery/distributed/read', { node_key: nodeKey })).status).toBe(200);
    const write = await osquery(t.url, '/api/osquery/distributed/write', {
      node_key: nodeKey,
      queries: { not_a_fleet_query: [{ a: '1' }] },
      statuses: { not_a_fleet_query: 0 },
    });
    expect(write).toEqual({ status: 200, body: {} });
    expect(requests()).toEqual([
      expect.objectContaining({
        level: 40,
        method: 'POST',
        path: '/api/osquery/distributed/write',
        status: 200,
        ingestProblems: ['unknown query name not_a_fleet_query'],
      }),
    ]);
  });

  it('at info, logs a download the client abandoned as cut short, not as a server failure', async () => {
    const { t, requests } = await loggedApp('info');
    await abandonDownload(t);
    await until(() => requests().some((l) => l.path === DOWNLOAD), 'the download line');
    const line = requests().find((l) => l.path === DOWNLOAD);
    expect(line).toMatchObject({ level: 30, method: 'POST', status: 200, cut: true });
    expect(line?.err).toBeUndefined();
  });

  it('at warn, does not log a download the client abandoned', async () => {
    const { t, requests } = await loggedApp('warn');
    await abandonDownload(t);
    expect(requests()).toEqual([]);
  });
});
