/** Reads a V8 .cpuprofile (node --cpu-prof) and names the frames with the most self time. */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT } from './proc.js';

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number } };
type CpuProfile = { nodes: ProfileNode[]; samples?: number[]; timeDeltas?: number[] };

type SelfTime = { frame: string; file: string; us: number };

/** Where a script lives: a project file, a package (node_modules/<name>), node's own, or native. */
function fileOf(url: string): { where: string; group: string } {
  if (url === '') return { where: '', group: '(native / V8)' };
  if (url.startsWith('node:')) return { where: url, group: 'node: internals' };
  const path = relative(ROOT, url.replace(/^file:\/\//, ''));
  const pkg = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return { where: path.replace(/^node_modules\//, ''), group: pkg ? pkg[1]! : path };
}

/** Self time per frame over the busy samples (the process waiting for work, "(idle)", left out). */
function selfTimes(path: string): { entries: SelfTime[]; total: number } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const us = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) us.set(samples[i]!, (us.get(samples[i]!) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
  const entries: SelfTime[] = [];
  for (const [id, t] of us) {
    const f = byId.get(id)?.callFrame;
    if (!f || f.functionName === '(idle)') continue;
    const { where, group } = fileOf(f.url);
    entries.push({ frame: `${f.functionName || '(anonymous)'}${where ? ` ${where}:${f.lineNumber + 1}` : ''}`, file: group, us: t });
  }
  return { entries, total: entries.reduce((n, e) => n + e.us, 0) || 1 };
}

function top(entries: SelfTime[], total: number, key: (e: SelfTime) => string, n: number): string[] {
  const sums = new Map<string, number>();
  for (const e of entries) sums.set(key(e), (sums.get(key(e)) ?? 0) + e.us);
  return [...sums.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, t]) => `${((100 * t) / total).toFixed(1).padStart(5)} %  ${k}`);
}

/** The frames with the most self time, as "share %  function file:line". */
export function topFrames(path: string, n = 12): string[] {
  const { entries, total } = selfTimes(path);
  return top(entries, total, (e) => e.frame, n);
}

/** Self time summed per project file or package. */
export function topFiles(path: string, n = 10): string[] {
  const { entries, total } = selfTimes(path);
  return top(entries, total, (e) => e.file, n);
}

export type Profiler = {
  start(): Promise<void>;
  /** Stops profiling, writes `<dir>/<name>.cpuprofile` and returns a note with its top frames. */
  stop(name: string): Promise<string>;
  close(): void;
};

/**
 * A CPU profiler attached to a server started with --inspect=127.0.0.1:0: the V8 sampling profiler
 * (what `node --cpu-prof` runs) driven over the inspector protocol, so a profile covers only the
 * measured runs and not the set-up. The file is the same .cpuprofile format.
 */
export async function attachProfiler(output: () => string, dir: string): Promise<Profiler> {
  const { WebSocket } = await import('ws');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const m = /Debugger listening on (ws:\/\/\S+)/.exec(output());
  if (!m) throw new Error('the server has no inspector URL (was it started with --inspect?)');
  const socket = new WebSocket(m[1]!);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let nextId = 1;
  const waiting = new Map<number, (result: unknown) => void>();
  socket.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as { id?: number; result?: unknown };
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result);
  });
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
  await call('Profiler.enable');
  return {
    async start() {
      await call('Profiler.setSamplingInterval', { interval: 1000 });
      await call('Profiler.start');
    },
    async stop(name) {
      const { profile } = (await call('Profiler.stop')) as { profile: unknown };
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `${name}.cpuprofile`);
      writeFileSync(path, JSON.stringify(profile));
      const indent = (lines: string[]) => lines.map((l) => `      ${l}`).join('\n');
      return `server CPU profile of the measured runs: ${path}; self time by frame:\n${indent(topFrames(path))}\n    by file or package:\n${indent(topFiles(path, 8))}`;
    },
    close: () => socket.close(),
  };
}
