/**
 * Baseline of the `apply` benchmark: raw better-sqlite3 upserts of the same saved-query rows in one
 * transaction, on the server's SQLite file. A tiny HTTP service so the suite can ask for one apply
 * at a time while the process stays warm: POST /upsert {"prefix", "count", "variant"} → {"ms"}.
 * Only the transaction is timed.
 *
 *   node --import tsx bench/baselines/apply.ts <sqlite file>
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { querySpecs } from '../lib/specs.js';

const db = new Database(process.argv[2]!, { fileMustExist: true });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
const authorId = (db.prepare('SELECT min(id) FROM users').pluck().get() as number | null) ?? null;

const upsert = db.prepare(`
  INSERT INTO saved_queries (name, description, query, author_id, observer_can_run, platform, min_osquery_version, interval,
    automations_enabled, logging, saved, created_at, updated_at)
  VALUES (@name, @description, @query, @authorId, @observerCanRun, @platform, @minOsqueryVersion, @interval,
    @automationsEnabled, @logging, 1, @now, @now)
  ON CONFLICT (name) DO UPDATE SET description = excluded.description, query = excluded.query, author_id = excluded.author_id,
    observer_can_run = excluded.observer_can_run, platform = excluded.platform, min_osquery_version = excluded.min_osquery_version,
    interval = excluded.interval, automations_enabled = excluded.automations_enabled, logging = excluded.logging,
    updated_at = excluded.updated_at`);

type Row = Record<string, string | number | null>;
const applyAll = db.transaction((rows: Row[]) => {
  for (const r of rows) upsert.run(r);
});

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    const { prefix, count, variant } = JSON.parse(Buffer.concat(parts).toString()) as { prefix: string; count: number; variant?: number };
    const now = Date.now();
    const rows: Row[] = querySpecs(prefix, count, variant).map((s) => ({
      name: s.name,
      description: s.description,
      query: s.query,
      authorId,
      observerCanRun: s.observer_can_run ? 1 : 0,
      platform: s.platform,
      minOsqueryVersion: s.min_osquery_version,
      interval: s.interval,
      automationsEnabled: s.automations_enabled ? 1 : 0,
      logging: s.logging,
      now,
    }));
    const started = performance.now();
    applyAll(rows);
    const ms = performance.now() - started;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ms }));
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`baseline listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
