import { parseCliArgs, USAGE, UsageError, type CliOptions } from './cli-args.js';
import { startFleet } from './fleet.js';
import { progressLine, summaryLines } from './progress.js';

const TTY_REFRESH_MS = 1_000;
const LOG_REFRESH_MS = 5_000;

function parseOrExit(argv: readonly string[]): CliOptions {
  try {
    const parsed = parseCliArgs(argv);
    if (parsed.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    return parsed.options;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`simulate: ${error.message} (see --help)\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const options = parseOrExit(process.argv.slice(2));
  const tty = process.stderr.isTTY === true;
  // On a terminal the line is redrawn in place; in CI logs one line every few seconds reads better.
  const writeProgress = (line: string): void => {
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  };
  let firstErrorShown = false;

  const fleet = startFleet({
    server: options.server,
    enrollSecret: options.enrollSecret,
    hosts: options.hosts,
    seed: options.seed,
    platformMix: options.platformMix,
    firstIndex: options.firstIndex,
    intervalMs: options.intervalMs,
    concurrency: options.concurrency,
    logs: options.logs,
    insecure: options.insecure,
    onError: (profile, error) => {
      // The first failure usually explains all the others (wrong secret, server down).
      if (firstErrorShown) return;
      firstErrorShown = true;
      process.stderr.write(`${tty ? '\r\x1b[K' : ''}first error (${profile.hostname}): ${error.message}\n`);
    },
  });

  const ticker = setInterval(() => writeProgress(progressLine(fleet.stats())), tty ? TTY_REFRESH_MS : LOG_REFRESH_MS);

  await new Promise<void>((resolve) => {
    const timer = options.durationMs === undefined ? null : setTimeout(resolve, options.durationMs);
    const onSignal = (): void => {
      if (timer) clearTimeout(timer);
      // A second signal while stopping means "now".
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });

  clearInterval(ticker);
  const final = await fleet.stop();
  if (tty) process.stderr.write(`\r${progressLine(final)}\x1b[K\n`);
  process.stdout.write(`${summaryLines(final, options.server).join('\n')}\n`);
  process.exitCode = final.enrolled === 0 ? 1 : 0;
}

main().catch((error: unknown) => {
  process.stderr.write(`simulate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
