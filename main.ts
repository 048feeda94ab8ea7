/** Process entry: configuration, start, and graceful shutdown on SIGTERM/SIGINT. */
import './v8-flags.js';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

let config;
try {
  config = loadConfig(process.env, process.argv.slice(2));
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`fleetgraph: ${err.message}\n`);
  process.exit(2);
}

const app = buildApp(config);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, 'shutting down');
  app.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));

try {
  const url = await app.start();
  // Exactly one ready line, whatever the log level: scripts wait for it.
  if (app.log.isLevelEnabled('info')) app.log.info(`fleetgraph listening on ${url}`);
  else process.stdout.write(`fleetgraph listening on ${url}\n`);
} catch (err) {
  process.stderr.write(`fleetgraph: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}\n`);
  process.exit(1);
}
