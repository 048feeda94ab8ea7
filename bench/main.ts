/**
 * The benchmark suite: `npm run bench` runs every benchmark, `npm run bench -- NAME...` some of
 * them. Each prints a table (median of the runs after a warm-up, with min–max, beside a raw
 * baseline measured in the same run); `--json FILE` writes the same figures. Benchmarks report,
 * they never fail on timing: the exit status is non-zero only when one crashed.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { apply } from './apply.js';
import { checkins } from './checkins.js';
import { completion } from './completion.js';
import { fanout } from './fanout.js';
import { createContext, SCALE_FLAGS, type Benchmark } from './lib/context.js';
import { codeVersion, machine } from './lib/machine.js';
import { setupPinning } from './lib/proc.js';
import { clearProgress, note } from './lib/progress.js';
import { formatReport, type BenchReport } from './lib/report.js';
import { memory } from './memory.js';
import { reads } from './reads.js';

const BENCHMARKS: Benchmark[] = [reads, apply, checkins, fanout, completion, memory];

const usage = () =>
  [
    'usage: npm run bench -- [NAME...] [--quick] [--json FILE] [--runs N] [flags]',
    '',
    `benchmarks:${BENCHMARKS.map((b) => `\n  ${b.name.padEnd(11)} ${b.summary}`).join('')}`,
    '',
    'options:',
    '  --quick            every benchmark at a small scale (2–3 minutes in all)',
    '  --json FILE        also write the figures as JSON',
    '  --runs N           measured runs per figure after the warm-up (3)',
    '  --no-pin           do not pin the servers to CPU 0 and the load to CPU 1',
    '  --cpu-prof DIR     profile the server over the measured runs; .cpuprofile files go to DIR',
    '  --log-level LEVEL  the server log level (warn; info logs every request)',
    '',
    'scale (defaults are the issue’s figures):',
    ...Object.entries(SCALE_FLAGS).map(([k, v]) => `  --${k.padEnd(16)} ${v}`),
  ].join('\n');

let values: Record<string, string | boolean | undefined>;
let positionals: string[];
try {
  ({ values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      quick: { type: 'boolean' },
      json: { type: 'string' },
      runs: { type: 'string' },
      'no-pin': { type: 'boolean' },
      'cpu-prof': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(Object.keys(SCALE_FLAGS).map((k) => [k, { type: 'string' as const }])),
    },
  }));
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).message}\n\n${usage()}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(`${usage()}\n`);
  process.exit(0);
}
const unknown = positionals.filter((p) => !BENCHMARKS.some((b) => b.name === p));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.map((b) => b.name).join(', ')}\n`);
  process.exit(2);
}
const selected = positionals.length === 0 ? BENCHMARKS : BENCHMARKS.filter((b) => positionals.includes(b.name));
const runs = values.runs === undefined ? 3 : Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write('bench: --runs must be a positive integer\n');
  process.exit(2);
}

process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

const pinning = setupPinning(values['no-pin'] !== true);
const host = machine(pinning.description);
const quick = values.quick === true;
const ctx = createContext(values, {
  quick,
  runs,
  logLevel: typeof values['log-level'] === 'string' ? values['log-level'] : 'warn',
  cpuProfDir: typeof values['cpu-prof'] === 'string' ? values['cpu-prof'] : undefined,
});

process.stdout.write(
  [
    `# fleetgraph benchmarks${quick ? ' (--quick: small scale)' : ''}`,
    '',
    `- machine: ${host.cpu}, ${host.cores} cores, ${host.memoryGb} GB, Node ${host.node}, load average ${host.loadAverage.join(' ')}`,
    `- ${host.pinning}`,
    `- code: ${codeVersion()} (also recorded per benchmark: the tree may move during a long run)`,
    `- each figure: median of ${runs} runs after a warm-up, (min–max); ratio = fleetgraph ÷ baseline per paired run`,
    `- server: node --import tsx main.ts, FLEETGRAPH_PORT=0, fresh SQLite file in ${tmpdir()}, FLEETGRAPH_LOG_LEVEL=${ctx.logLevel}`,
    '',
    '',
  ].join('\n'),
);

const reports: BenchReport[] = [];
let crashed = false;
for (const bench of selected) {
  const started = performance.now();
  note(`[${bench.name}] ${bench.summary}`);
  let report: BenchReport;
  const code = codeVersion();
  try {
    const out = await bench.run(ctx);
    report = { name: bench.name, ...out, setup: { ...out.setup, code }, seconds: (performance.now() - started) / 1000 };
  } catch (err) {
    crashed = true;
    report = { name: bench.name, setup: { code }, figures: [], notes: [], seconds: (performance.now() - started) / 1000, error: (err as Error).stack ?? String(err) };
  }
  clearProgress();
  reports.push(report);
  process.stdout.write(`${formatReport(report)}\n\n`);
}

if (typeof values.json === 'string') {
  const out = { machine: host, quick, runs, logLevel: ctx.logLevel, finishedAt: new Date().toISOString(), benchmarks: reports };
  writeFileSync(values.json, `${JSON.stringify(out, null, 2)}\n`);
  process.stderr.write(`bench: figures written to ${join(values.json)}\n`);
}
process.exit(crashed ? 1 : 0);
