import { parseArgs } from 'node:util';
import { DEFAULT_PLATFORM_MIX, parsePlatformMix, type PlatformMix } from './platform-mix.js';
import type { Seed } from './random.js';

export interface CliOptions {
  hosts: number;
  server: string;
  enrollSecret: string;
  platformMix: PlatformMix;
  seed: Seed;
  intervalMs: number | undefined;
  concurrency: number;
  durationMs: number | undefined;
  firstIndex: number;
  logs: boolean;
  insecure: boolean;
}

export type CliParse = { help: true } | { help: false; options: CliOptions };

/** A usage mistake; main prints the message as one line and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const USAGE = `usage: npm run simulate -- --hosts N --enroll-secret S [options]

  --hosts N                 simulated hosts (required)
  --enroll-secret S         enroll secret (required)
  --server URL              server base URL (default http://127.0.0.1:8080)
  --platform-mix MIX        weights, e.g. darwin=40,ubuntu=30,windows=20,centos=10 (the default)
  --seed S                  seed for host details (default 1); same seed, same hosts
  --first-index N           index of the first host, to split one fleet over processes (default 0)
  --interval-seconds n      check-in interval, overriding the config's distributed_interval
  --concurrency N           requests in flight at once (default 200)
  --duration-seconds n      stop after n seconds (default: run until SIGINT/SIGTERM)
  --no-logs                 do not send status or scheduled-query result logs
  --insecure                accept self-signed TLS certificates
  --help                    show this text`;

function positiveInteger(flag: string, text: string | undefined, fallback?: number): number {
  if (text === undefined) {
    if (fallback !== undefined) return fallback;
    throw new UsageError(`--${flag} is required`);
  }
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer, got "${text}"`);
  return n;
}

function positiveSeconds(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a positive number of seconds, got "${text}"`);
  return Math.round(n * 1000);
}

export function parseCliArgs(argv: readonly string[]): CliParse {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        hosts: { type: 'string' },
        server: { type: 'string', default: 'http://127.0.0.1:8080' },
        'enroll-secret': { type: 'string' },
        'platform-mix': { type: 'string' },
        seed: { type: 'string', default: '1' },
        'first-index': { type: 'string', default: '0' },
        'interval-seconds': { type: 'string' },
        concurrency: { type: 'string' },
        'duration-seconds': { type: 'string' },
        'no-logs': { type: 'boolean', default: false },
        insecure: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    // node:util's messages run over several lines; the first one says what is wrong.
    throw new UsageError((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'invalid arguments');
  }
  if (values.help) return { help: true };

  const hosts = positiveInteger('hosts', values.hosts);
  const enrollSecret = values['enroll-secret'];
  if (enrollSecret === undefined || enrollSecret === '') throw new UsageError('--enroll-secret is required');

  const server = values.server;
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`--server must be a URL like http://127.0.0.1:8080, got "${server}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--server must use http or https, got "${server}"`);

  let platformMix = DEFAULT_PLATFORM_MIX;
  if (values['platform-mix'] !== undefined) {
    try {
      platformMix = parsePlatformMix(values['platform-mix']);
    } catch (error) {
      throw new UsageError(`--platform-mix: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const seedText = values.seed.trim();
  if (seedText === '') throw new UsageError('--seed must not be empty');
  const firstIndexText = values['first-index'];
  if (!/^\d+$/.test(firstIndexText.trim())) throw new UsageError(`--first-index must be a non-negative integer, got "${firstIndexText}"`);

  return {
    help: false,
    options: {
      hosts,
      server: server.replace(/\/+$/, ''),
      enrollSecret,
      platformMix,
      // Numeric seeds stay numbers so `--seed 1` and the API's `seed: 1` build the same hosts.
      seed: /^-?\d+$/.test(seedText) ? Number(seedText) : seedText,
      intervalMs: positiveSeconds('interval-seconds', values['interval-seconds']),
      concurrency: positiveInteger('concurrency', values.concurrency, 200),
      durationMs: positiveSeconds('duration-seconds', values['duration-seconds']),
      firstIndex: Number(firstIndexText),
      logs: !values['no-logs'],
      insecure: values.insecure,
    },
  };
}
