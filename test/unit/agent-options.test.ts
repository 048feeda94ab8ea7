import { describe, expect, it } from 'vitest';
import { defaultAgentOptions, validateAgentOptions } from '../../resolvers/agent-options.js';
import { BadRequestError } from '../../resolvers/errors.js';

function refusal(options: unknown): BadRequestError {
  try {
    validateAgentOptions(options);
  } catch (e) {
    expect(e).toBeInstanceOf(BadRequestError);
    return e as BadRequestError;
  }
  throw new Error(`expected ${JSON.stringify(options)} to be refused`);
}

describe('defaultAgentOptions', () => {
  it("matches Fleet's default global options", () => {
    const options = defaultAgentOptions();
    expect(options).toEqual({
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
  });

  it('returns a fresh object each time', () => {
    const a = defaultAgentOptions();
    (a.config as { options: { pack_delimiter: string } }).options.pack_delimiter = '_';
    expect((defaultAgentOptions().config as { options: { pack_delimiter: string } }).options.pack_delimiter).toBe('/');
  });

  it('passes its own validation', () => {
    expect(() => validateAgentOptions(defaultAgentOptions())).not.toThrow();
  });
});

describe('validateAgentOptions', () => {
  it('returns the options it accepts unchanged', () => {
    const options = { config: { options: { distributed_interval: 5 } }, command_line_flags: { verbose: true } };
    expect(validateAgentOptions(options)).toBe(options);
  });

  it('accepts an empty object', () => {
    expect(validateAgentOptions({})).toEqual({});
  });

  it('accepts every top-level key Fleet knows', () => {
    expect(() =>
      validateAgentOptions({
        config: {},
        overrides: {},
        command_line_flags: {},
        extensions: {},
        update_channels: {},
        script_execution_timeout: 300,
      }),
    ).not.toThrow();
  });

  it('accepts per-platform overrides with valid configs', () => {
    expect(() =>
      validateAgentOptions({ overrides: { platforms: { darwin: { options: { distributed_interval: 1 } }, linux: {} } } }),
    ).not.toThrow();
  });

  it.each([
    ['a non-object', 'yes', 'agent_options must be an object'],
    ['an array', [], 'agent_options must be an object'],
    ['null', null, 'agent_options must be an object'],
    ['an unknown top-level key', { bogus: 1 }, 'unsupported key provided: "bogus"'],
    ['an unknown config key', { config: { nope: {} } }, 'unsupported key provided: "nope" in config'],
    ['a non-object config', { config: [] }, 'config must be an object'],
    ['non-object config options', { config: { options: 'x' } }, 'config.options must be an object'],
    ['non-object config decorators', { config: { decorators: 1 } }, 'config.decorators must be an object'],
    ['non-object overrides', { overrides: 'x' }, 'overrides must be an object'],
    ['an unknown overrides key', { overrides: { hosts: {} } }, 'unsupported key provided: "hosts" in overrides'],
    ['non-object overrides.platforms', { overrides: { platforms: [] } }, 'overrides.platforms must be an object'],
    [
      'an unknown key in a platform override',
      { overrides: { platforms: { darwin: { nope: 1 } } } },
      'unsupported key provided: "nope" in overrides.platforms.darwin',
    ],
    [
      'a non-object platform override',
      { overrides: { platforms: { linux: 'x' } } },
      'overrides.platforms.linux must be an object',
    ],
    ['non-object command_line_flags', { command_line_flags: 'x' }, 'command_line_flags must be an object'],
  ])('refuses %s with a 400', (_, options, message) => {
    const e = refusal(options);
    expect(e.message).toBe(message);
    expect(e.httpStatus).toBe(400);
    expect(e.invalid).toEqual([{ name: 'base', reason: message }]);
  });
});
