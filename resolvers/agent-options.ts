import { BadRequestError } from './errors.js';
import { isObject, type JsonObject } from './model.js';

/** Fleet's default global agent options (fleet-behavior.md §6.2). */
export const defaultAgentOptions = (): JsonObject => ({
  config: {
    options: {
      pack_delimiter: '/',
      logger_tls_period: 10,
      distributed_plugin: 'tls',
      disable_distributed: false,
      logger_tls_endpoint: '/api/osquery/log',
      distributed_interval: 10,
      distributed_tls_max_attempts: 3,
    },
    decorators: {
      load: ['SELECT uuid AS host_uuid FROM system_info;', 'SELECT hostname AS hostname FROM system_info;'],
    },
  },
  overrides: {},
});

const TOP_KEYS = new Set(['config', 'overrides', 'command_line_flags', 'extensions', 'update_channels', 'script_execution_timeout']);
const CONFIG_KEYS = new Set([
  'options',
  'decorators',
  'packs',
  'schedule',
  'file_paths',
  'file_paths_query',
  'file_accesses',
  'exclude_paths',
  'yara',
  'prometheus_targets',
  'views',
  'events',
  'auto_table_construction',
]);

function checkConfig(config: unknown, where: string): void {
  if (!isObject(config)) throw new BadRequestError(`${where} must be an object`);
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.has(key)) throw new BadRequestError(`unsupported key provided: "${key}" in ${where}`);
  }
  if ('options' in config && !isObject(config.options)) throw new BadRequestError(`${where}.options must be an object`);
  if ('decorators' in config && !isObject(config.decorators)) throw new BadRequestError(`${where}.decorators must be an object`);
}

/**
 * Structural checks in the spirit of Fleet's ValidateJSONAgentOptions: known top-level and
 * config keys, objects where osquery expects objects. Fails with 400 like Fleet's UserMessageError.
 */
export function validateAgentOptions(options: unknown): JsonObject {
  if (!isObject(options)) throw new BadRequestError('agent_options must be an object');
  for (const key of Object.keys(options)) {
    if (!TOP_KEYS.has(key)) throw new BadRequestError(`unsupported key provided: "${key}"`);
  }
  if ('config' in options) checkConfig(options.config, 'config');
  if ('overrides' in options) {
    const overrides = options.overrides;
    if (!isObject(overrides)) throw new BadRequestError('overrides must be an object');
    for (const key of Object.keys(overrides)) {
      if (key !== 'platforms') throw new BadRequestError(`unsupported key provided: "${key}" in overrides`);
    }
    const platforms = overrides.platforms ?? {};
    if (!isObject(platforms)) throw new BadRequestError('overrides.platforms must be an object');
    for (const [platform, config] of Object.entries(platforms)) checkConfig(config, `overrides.platforms.${platform}`);
  }
  if ('command_line_flags' in options && !isObject(options.command_line_flags)) {
    throw new BadRequestError('command_line_flags must be an object');
  }
  return options;
}
