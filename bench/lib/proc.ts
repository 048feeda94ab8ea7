/**
 * Child processes of the suite: the server under test and the raw baselines, each pinned to CPU 0
 * while this process (the load generator) runs on CPU 1, and each started the way `npm start`
 * starts the server (`node --import tsx <entry>`), ready once it prints `listening on <url>`.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type Pinning = { pinned: boolean; prefix: string[]; description: string };

let pinning: Pinning = { pinned: false, prefix: [], description: 'not pinned' };

const hasTaskset = (): boolean => {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Moves this process (every thread) to CPU 1; children started later go to CPU 0. */
export function setupPinning(wanted: boolean): Pinning {
  const cores = availableParallelism();
  if (!wanted) pinning = { pinned: false, prefix: [], description: 'not pinned (--no-pin)' };
  else if (cores < 2) pinning = { pinned: false, prefix: [], description: `not pinned (${cores} CPU)` };
  else if (!hasTaskset()) pinning = { pinned: false, prefix: [], description: 'not pinned (taskset not found)' };
  else {
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
    pinning = { pinned: true, prefix: ['taskset', '-c', '0'], description: 'servers pinned to CPU 0, load generator to CPU 1 (taskset)' };
  }
  return pinning;
}

export const currentPinning = (): Pinning => pinning;

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export type Service = {
  url: string;
  pid: number;
  /** Resolves with the exit code once the process has stopped (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<number | null>;
  /** The last lines the process printed, for error messages. */
  output(): string;
};

const LISTENING = /listening on (http:\/\/[\w.:[\]]+)/;

/** Starts `node [nodeArgs] --import tsx <entry> [args]` (pinned when pinning is on) and waits for its URL. */
export async function startService(
  label: string,
  entry: string,
  opts: { args?: string[]; nodeArgs?: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Service> {
  const argv = [...pinning.prefix, process.execPath, ...(opts.nodeArgs ?? []), '--import', 'tsx', entry, ...(opts.args ?? [])];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-16_384);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? (signal ? 128 : null));
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not print "listening on" within ${opts.timeoutMs ?? 60_000} ms:\n${out}`)), opts.timeoutMs ?? 60_000);
    const look = () => {
      const m = LISTENING.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', look);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', look);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${code}) before it was ready:\n${out}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Resident set size of a process, in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at ") ".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / CLOCK_TICKS;
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Measures the CPU share of a process (1 = one core busy) and of this process over `fn`. */
export async function cpuShare<T>(pid: number, fn: () => Promise<T>): Promise<{ result: T; server: number; loader: number; seconds: number }> {
  const started = performance.now();
  const server0 = cpuSeconds(pid);
  const loader0 = process.cpuUsage();
  const result = await fn();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(loader0);
  return {
    result,
    seconds,
    server: (cpuSeconds(pid) - server0) / seconds,
    loader: (used.user + used.system) / 1e6 / seconds,
  };
}
