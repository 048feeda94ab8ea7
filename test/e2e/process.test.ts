import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

const scratchDirs: string[] = [];
const scratchDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleetgraph-proc-'));
  scratchDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs main.ts as `npm start` would, in its own scratch directory, collecting its output. */
function run(env: Record<string, string>, args: string[] = []) {
  const scratch = scratchDir();
  const child = spawn(process.execPath, ['--import', 'tsx', 'main.ts', ...args], {
    cwd: root,
    env: {
      ...process.env,
      FLEETGRAPH_LOG_LEVEL: 'info',
      FLEETGRAPH_OSQUERY_LOG_DIR: join(scratch, 'logs'),
      FLEETGRAPH_INSTALLERS_DIR: join(scratch, 'installers'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = out.match(/listening on (http:\/\/[\w.:[\]]+)/);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`exited (${code}) before ready: ${err}${out}`)));
  });
  ready.catch(() => undefined);
  return { child, ready, exited, output: () => ({ out, err }) };
}

describe('process start-up', () => {
  it('should print one ready line with the real port, serve /healthz, and exit 0 on SIGTERM', async () => {
    const dir = scratchDir();
    const db = join(dir, 'sub', 'fleetgraph.db');
    const p = run({ FLEETGRAPH_PORT: '0', FLEETGRAPH_DB: db });
    const url = await p.ready;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url.endsWith(':0')).toBe(false);
    const health = await fetch(`${url}/healthz`);
    expect({ status: health.status, body: await health.json() }).toEqual({ status: 200, body: { status: 'ok' } });
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.output().out.match(/listening on/g)).toHaveLength(1);
    expect(existsSync(db)).toBe(true);
    const sqlite = new Database(db, { readonly: true });
    expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(sqlite.prepare("SELECT count(*) AS n FROM labels WHERE label_type = 'builtin'").get()).toEqual({ n: 7 });
    sqlite.close();
  });

  it('should exit 0 on SIGINT', async () => {
    const p = run({ FLEETGRAPH_PORT: '0', FLEETGRAPH_DB: ':memory:' });
    await p.ready;
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
  });

  it('should take flags over environment variables', async () => {
    const p = run({ FLEETGRAPH_PORT: 'not-a-port', FLEETGRAPH_DB: ':memory:' }, ['--port', '0']);
    await p.ready;
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it.each([
    ['FLEETGRAPH_PORT', 'eighty'],
    ['FLEETGRAPH_PORT', '70000'],
    ['FLEETGRAPH_LICENSE', 'gold'],
    ['FLEETGRAPH_LOG_LEVEL', 'loud'],
    ['FLEETGRAPH_DB', ''],
  ])('should refuse %s=%j with one line naming it and a non-zero exit', async (name, value) => {
    const p = run({ FLEETGRAPH_DB: ':memory:', [name]: value });
    const code = await p.exited;
    expect(code).not.toBe(0);
    const { err } = p.output();
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toContain(name);
  });
});
