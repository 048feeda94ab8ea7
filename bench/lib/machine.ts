/** The machine a run happened on, for the header and the JSON. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { ROOT } from './proc.js';

export type Machine = { cpu: string; cores: number; memoryGb: number; node: string; loadAverage: number[]; pinning: string };

export function machine(pinning: string): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    /* not Linux: keep os.cpus() */
  }
  return {
    cpu,
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    pinning,
  };
}

/**
 * The server code a benchmark ran: the commit, plus "+N files" when tracked server files differ
 * from it (the suite's own files and package manifests do not count). Read when each benchmark
 * starts, since the tree can move during a long run.
 */
export function codeVersion(): string {
  try {
    const run = (args: string[]) => execFileSync('git', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trimEnd();
    const commit = run(['rev-parse', '--short', 'HEAD']).trim();
    const changed = run(['status', '--porcelain', '--untracked-files=no'])
      .split('\n')
      .map((l) => l.slice(3))
      .filter((f) => f !== '' && !/^(bench\/|docs\/|README\.md$|package(-lock)?\.json$)/.test(f));
    return changed.length > 0 ? `${commit}+${changed.length} changed files` : commit;
  } catch {
    return 'unknown (not a git checkout)';
  }
}
