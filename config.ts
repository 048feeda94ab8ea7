/** Start-up configuration: environment variables, each with an equivalent command-line flag. */
import { parseArgs } from 'node:util';

export type Config = {
  host: string;
  port: number;
  db: string;
  license: 'premium' | 'free';
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Bearer token guarding /metrics; when empty, /metrics is open. */
  metricsToken: string;
  /** bcrypt cost for new password hashes. */
  bcryptCost: number;
  /** Login attempts allowed per email and per address in each window. */
  loginRateLimit: number;
  loginRateWindowMs: number;
  /** Seconds a login session lasts (API-only tokens do not expire). */
  sessionDuration: number;
  /** Failed device-authenticated requests allowed per address and route in each hour. */
  deviceRateLimit: number;
  /** Where agents' status and result logs are written (rotating files). */
  osqueryLogDir: string;
  /** Fleet-bucket layout: <enroll_secret>/[desktop/]fleet-osquery.<kind> */
  installersDir: string;
  /** Seconds before agents are asked again for details, labels and policies. */
  detailInterval: number;
  labelInterval: number;
  policyInterval: number;
  /** Rows kept per live query campaign; past it results are dropped and the cap is reported. */
  campaignMaxRows: number;
  /** Seconds after which a running campaign is completed. */
  campaignMaxDuration: number;
  /** Results a subscriber may fall behind (beyond where it started) before it is dropped. */
  subscriberMaxLag: number;
  /** Hosts kept in memory by node key for the agent API (0: none). */
  agentCacheHosts: number;
  /** Default and longest wait of the synchronous query run, in seconds. */
  syncRunTimeout: number;
  syncRunMaxTimeout: number;
};

export class ConfigError extends Error {}

type Option = {
  env: string;
  flag: string;
  default: string;
  parse: (raw: string) => unknown;
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const oneOf =
  <T extends string>(values: readonly T[]) =>
  (raw: string): T => {
    if (!(values as readonly string[]).includes(raw)) throw new Error(`must be one of ${values.join(', ')}`);
    return raw as T;
  };

const integer = (min: number, max: number) => (raw: string) => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new Error(`must be an integer from ${min} to ${max}`);
  return n;
};

const nonEmpty = (raw: string) => {
  if (raw.trim() === '') throw new Error('must not be empty');
  return raw;
};

const OPTIONS = {
  host: { env: 'FLEETGRAPH_HOST', flag: 'host', default: '127.0.0.1', parse: nonEmpty },
  port: { env: 'FLEETGRAPH_PORT', flag: 'port', default: '8080', parse: integer(0, 65535) },
  db: { env: 'FLEETGRAPH_DB', flag: 'db', default: './data/fleetgraph.db', parse: nonEmpty },
  license: { env: 'FLEETGRAPH_LICENSE', flag: 'license', default: 'premium', parse: oneOf(['premium', 'free'] as const) },
  logLevel: { env: 'FLEETGRAPH_LOG_LEVEL', flag: 'log-level', default: 'info', parse: oneOf(LOG_LEVELS) },
  metricsToken: { env: 'FLEETGRAPH_METRICS_TOKEN', flag: 'metrics-token', default: '', parse: (raw: string) => raw },
  bcryptCost: { env: 'FLEETGRAPH_BCRYPT_COST', flag: 'bcrypt-cost', default: '12', parse: integer(4, 15) },
  loginRateLimit: { env: 'FLEETGRAPH_LOGIN_RATE_LIMIT', flag: 'login-rate-limit', default: '10', parse: integer(1, 1_000_000) },
  loginRateWindowMs: { env: 'FLEETGRAPH_LOGIN_RATE_WINDOW_MS', flag: 'login-rate-window-ms', default: '60000', parse: integer(1, 86_400_000) },
  sessionDuration: { env: 'FLEETGRAPH_SESSION_DURATION', flag: 'session-duration', default: '432000', parse: integer(60, 31_536_000) },
  deviceRateLimit: { env: 'FLEETGRAPH_DEVICE_RATE_LIMIT', flag: 'device-rate-limit', default: '720', parse: integer(1, 1_000_000) },
  osqueryLogDir: { env: 'FLEETGRAPH_OSQUERY_LOG_DIR', flag: 'osquery-log-dir', default: './data/osquery-logs', parse: nonEmpty },
  installersDir: { env: 'FLEETGRAPH_INSTALLERS_DIR', flag: 'installers-dir', default: './data/installers', parse: nonEmpty },
  detailInterval: { env: 'FLEETGRAPH_DETAIL_INTERVAL', flag: 'detail-interval', default: '3600', parse: integer(1, 31_536_000) },
  labelInterval: { env: 'FLEETGRAPH_LABEL_INTERVAL', flag: 'label-interval', default: '3600', parse: integer(1, 31_536_000) },
  policyInterval: { env: 'FLEETGRAPH_POLICY_INTERVAL', flag: 'policy-interval', default: '3600', parse: integer(1, 31_536_000) },
  campaignMaxRows: { env: 'FLEETGRAPH_CAMPAIGN_MAX_ROWS', flag: 'campaign-max-rows', default: '250000', parse: integer(1, 100_000_000) },
  campaignMaxDuration: { env: 'FLEETGRAPH_CAMPAIGN_MAX_DURATION', flag: 'campaign-max-duration', default: '86400', parse: integer(1, 31_536_000) },
  subscriberMaxLag: { env: 'FLEETGRAPH_SUBSCRIBER_MAX_LAG', flag: 'subscriber-max-lag', default: '10000', parse: integer(1, 100_000_000) },
  agentCacheHosts: { env: 'FLEETGRAPH_AGENT_CACHE_HOSTS', flag: 'agent-cache-hosts', default: '100000', parse: integer(0, 100_000_000) },
  syncRunTimeout: { env: 'FLEETGRAPH_SYNC_RUN_TIMEOUT', flag: 'sync-run-timeout', default: '25', parse: integer(0, 3600) },
  syncRunMaxTimeout: { env: 'FLEETGRAPH_SYNC_RUN_MAX_TIMEOUT', flag: 'sync-run-max-timeout', default: '120', parse: integer(0, 3600) },
} satisfies Record<keyof Config, Option>;

/** Flags win over environment variables, which win over defaults. Errors name the variable. */
export function loadConfig(env: NodeJS.ProcessEnv, argv: string[]): Config {
  let flags: Record<string, string | undefined>;
  try {
    flags = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.values(OPTIONS).map((o) => [o.flag, { type: 'string' as const }])),
      strict: true,
    }).values as Record<string, string | undefined>;
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const out: Record<string, unknown> = {};
  for (const [key, o] of Object.entries(OPTIONS) as [keyof Config, Option][]) {
    const raw = flags[o.flag] ?? env[o.env] ?? o.default;
    try {
      out[key] = o.parse(raw);
    } catch (err) {
      throw new ConfigError(`invalid ${o.env} (--${o.flag}) "${raw}": ${(err as Error).message}`);
    }
  }
  return out as Config;
}
