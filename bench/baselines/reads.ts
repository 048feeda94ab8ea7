/**
 * Baseline of the `reads` benchmark: raw node:http and better-sqlite3 prepared statements over
 * the server's own SQLite file, answering the same three reads with the same JSON (the same bearer
 * token check included), and nothing else. GraphQL requests are recognized by operationName only.
 *
 *   node --import tsx bench/baselines/reads.ts <sqlite file>
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';

const db = new Database(process.argv[2]!, { fileMustExist: true });
db.pragma('busy_timeout = 5000');

const sessionUser = db.prepare('SELECT u.id FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?');
const savedQueries = db.prepare('SELECT * FROM saved_queries WHERE saved = 1 ORDER BY id');
const hostPage = db.prepare(
  'SELECT id, hostname, platform, os_version, seen_time, created_at, distributed_interval, config_tls_refresh FROM hosts ORDER BY id LIMIT ?',
);
const hostCount = db.prepare('SELECT count(*) AS n FROM hosts').pluck();
const hostLabels = db.prepare(
  'SELECT m.host_id, l.id, l.name FROM label_membership m JOIN labels l ON l.id = m.label_id WHERE m.host_id IN (SELECT value FROM json_each(?)) ORDER BY m.label_id',
);

type Row = Record<string, unknown>;

const authorized = (req: IncomingMessage): boolean => {
  const m = /^bearer (\S+)$/i.exec(req.headers.authorization ?? '');
  return m !== null && sessionUser.get(createHash('sha256').update(m[1]!).digest('hex')) !== undefined;
};

/** Fleet's omitempty, as rest-compat/wire.ts applies it to query specs. */
const omitEmpty = (o: Row): Row => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== '' && v !== null && v !== undefined && v !== false && v !== 0));

const specQueries = () => ({
  specs: (savedQueries.all() as Row[]).map((q) => ({
    name: q.name,
    ...omitEmpty({ description: q.description }),
    query: q.query,
    ...omitEmpty({
      interval: q.interval,
      observer_can_run: q.observer_can_run === 1,
      platform: q.platform,
      min_osquery_version: q.min_osquery_version,
      automations_enabled: q.automations_enabled === 1,
    }),
    ...(q.logging !== 'snapshot' ? { logging: q.logging } : {}),
  })),
});

const gqlSavedQueries = () => ({
  data: {
    savedQueries: (savedQueries.all() as Row[]).map((q) => ({
      id: String(q.id),
      name: q.name,
      description: q.description,
      query: q.query,
      interval: q.interval,
      platform: q.platform,
      minOsqueryVersion: q.min_osquery_version,
      observerCanRun: q.observer_can_run === 1,
      automationsEnabled: q.automations_enabled === 1,
      logging: q.logging,
    })),
  },
});

/** resolvers/host-status.ts: online until min(intervals) + 60 s after the last check-in; MIA after 30 days. */
const status = (h: Row, now: number): string => {
  const seen = (h.seen_time ?? h.created_at) as number;
  if (seen + (Math.min(h.distributed_interval as number, h.config_tls_refresh as number) + 60) * 1000 > now) return 'ONLINE';
  return seen + 30 * 24 * 3600 * 1000 <= now ? 'MIA' : 'OFFLINE';
};

const gqlHosts = (first: number) => {
  const now = Date.now();
  const hosts = hostPage.all(first) as Row[];
  const labels = new Map<number, { id: string; name: string }[]>(hosts.map((h) => [h.id as number, []]));
  for (const r of hostLabels.all(JSON.stringify(hosts.map((h) => h.id))) as Row[]) {
    labels.get(r.host_id as number)?.push({ id: String(r.id), name: r.name as string });
  }
  return {
    data: {
      hosts: {
        totalCount: hostCount.get() as number,
        edges: hosts.map((h) => ({
          node: { id: String(h.id), hostname: h.hostname, platform: h.platform, osVersion: h.os_version, status: status(h, now), labels: labels.get(h.id as number) },
        })),
      },
    },
  };
};

const send = (res: ServerResponse, status: number, body: unknown) => {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
};

const readBody = async (req: IncomingMessage): Promise<string> => {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
};

const server = createServer((req, res) => {
  void (async () => {
    const body = await readBody(req);
    if (!authorized(req)) return send(res, 401, { message: 'Authentication required' });
    if (req.method === 'GET' && req.url === '/api/v1/fleet/spec/queries') return send(res, 200, specQueries());
    if (req.method === 'POST' && req.url === '/graphql') {
      const op = JSON.parse(body) as { operationName?: string; variables?: { first?: number } };
      if (op.operationName === 'SavedQueries') return send(res, 200, gqlSavedQueries());
      if (op.operationName === 'Hosts') return send(res, 200, gqlHosts(op.variables?.first ?? 100));
    }
    send(res, 404, { message: 'not found' });
  })().catch(() => send(res, 500, { message: 'error' }));
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`baseline listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
