/**
 * The server under test, started as `npm start` starts it (a child `node --import tsx main.ts`)
 * with FLEETGRAPH_PORT=0 on a fresh SQLite file in a temporary directory, plus the few API calls
 * every benchmark needs to set it up (first admin, enroll secret).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachProfiler, type Profiler } from './profile.js';
import { startService, type Service } from './proc.js';

export const ENROLL_SECRET = 'bench-enroll-secret';
const ADMIN = { name: 'Bench Admin', email: 'bench@example.com', password: 'bench-password-1!' };

export type Fleetgraph = Service & {
  dir: string;
  dbPath: string;
  token: string;
  /** With a cpuProfDir: profiles the server between start() and stop(). */
  profiler?: Profiler;
  /** Stops the server and removes its directory. */
  shutdown(): Promise<void>;
};

export type ServerOptions = {
  /** Extra FLEETGRAPH_* settings. */
  env?: Record<string, string>;
  logLevel?: string;
  /** Directory for CPU profiles: the server gets an inspector and a profiler is attached. */
  cpuProfDir?: string;
  /** Restart on an earlier server's directory and database (already set up) instead of a fresh one. */
  reuse?: { dir: string; token: string };
  /** Leave the directory behind on shutdown (to reuse it). */
  keep?: boolean;
};

/** Starts fleetgraph on a fresh database (or `reuse`s one), creating the admin and a global enroll secret. */
export async function startFleetgraph(opts: ServerOptions = {}): Promise<Fleetgraph> {
  const dir = opts.reuse?.dir ?? mkdtempSync(join(tmpdir(), 'fleetgraph-bench-'));
  const dbPath = join(dir, 'fleetgraph.db');
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FLEETGRAPH_')));
  const env = {
    ...inherited,
    FLEETGRAPH_PORT: '0',
    FLEETGRAPH_DB: dbPath,
    FLEETGRAPH_OSQUERY_LOG_DIR: join(dir, 'osquery-logs'),
    FLEETGRAPH_INSTALLERS_DIR: join(dir, 'installers'),
    FLEETGRAPH_LOG_LEVEL: opts.logLevel ?? 'warn',
    // Only the admin's password is hashed; the default cost 12 would just slow set-up.
    FLEETGRAPH_BCRYPT_COST: '4',
    ...opts.env,
  };
  const nodeArgs = opts.cpuProfDir ? ['--inspect=127.0.0.1:0'] : [];
  const service = await startService('fleetgraph', 'main.ts', { env, nodeArgs });
  const remove = () => {
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const token = opts.reuse?.token ?? (await setUp(service.url));
    const profiler = opts.cpuProfDir ? await attachProfiler(service.output, opts.cpuProfDir) : undefined;
    return {
      ...service,
      dir,
      dbPath,
      token,
      profiler,
      async shutdown() {
        profiler?.close();
        await service.stop();
        remove();
      },
    };
  } catch (err) {
    await service.stop();
    remove();
    throw err;
  }
}

/** The first admin and a global enroll secret; returns the admin's token. */
async function setUp(url: string): Promise<string> {
  const setup = await json(url, 'POST', '/api/v1/setup', {
    body: { admin: ADMIN, org_info: { org_name: 'Bench' }, server_url: 'https://fleet.example.com' },
  });
  const token = (setup as { token: string }).token;
  await json(url, 'POST', '/api/v1/fleet/spec/enroll_secret', { token, body: { spec: { secrets: [{ secret: ENROLL_SECRET }] } } });
  return token;
}

/** One JSON request for set-up and checks (not for load: that is autocannon's job). */
export async function json(url: string, method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(url + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 500)}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** A GraphQL operation over HTTP; throws on errors. */
export async function graphql<T = unknown>(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const reply = (await json(url, 'POST', '/graphql', { token, body: { query, variables } })) as { data?: T; errors?: { message: string }[] };
  if (reply.errors?.length) throw new Error(`GraphQL: ${reply.errors.map((e) => e.message).join('; ')}`);
  return reply.data as T;
}

