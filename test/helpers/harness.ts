import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { afterAll } from 'vitest';
import { buildApp, type App } from '../../app.js';
import type { Config } from '../../config.js';

export const ADMIN = { name: 'Admin', email: 'admin@example.com', password: 'correct-horse-1!' };
export const PASSWORD = 'another-secret-2?';

export type TestApp = { app: App; url: string; adminToken: string; dbPath: string; dir: string };

const leftovers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(leftovers.splice(0).map((stop) => stop()));
});

/** Starts a real server on a random port over a fresh SQLite file; stopped after the file's tests. */
export async function startApp(
  overrides: Partial<Config> = {},
  opts: { setup?: boolean; clock?: () => Date; log?: Logger } = {},
): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetgraph-test-'));
  const dbPath = join(dir, 'fleetgraph.db');
  const app = buildApp(
    {
      host: '127.0.0.1',
      port: 0,
      db: dbPath,
      license: 'premium',
      logLevel: 'silent',
      metricsToken: '',
      bcryptCost: 4,
      loginRateLimit: 1000,
      loginRateWindowMs: 60_000,
      sessionDuration: 432_000,
      deviceRateLimit: 720,
      osqueryLogDir: join(dir, 'osquery-logs'),
      installersDir: join(dir, 'installers'),
      detailInterval: 3600,
      labelInterval: 3600,
      policyInterval: 3600,
      campaignMaxRows: 250_000,
      campaignMaxDuration: 86_400,
      subscriberMaxLag: 10_000,
      syncRunTimeout: 25,
      syncRunMaxTimeout: 120,
      agentCacheHosts: 100_000,
      ...overrides,
    },
    { log: opts.log ?? pino({ level: process.env.TEST_LOG ?? 'silent' }), ...(opts.clock ? { clock: opts.clock } : {}) },
  );
  const url = await app.start();
  leftovers.push(async () => {
    await app.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  let adminToken = '';
  if (opts.setup !== false) {
    const res = await fetch(`${url}/api/v1/setup`, {
      method: 'POST',
      body: JSON.stringify({ admin: ADMIN, org_info: { org_name: 'Acme' }, server_url: 'https://fleet.example.com' }),
    });
    adminToken = ((await res.json()) as { token: string }).token;
  }
  return { app, url, adminToken, dbPath, dir };
}
