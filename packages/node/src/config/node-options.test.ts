import { describe, expect, it } from 'vitest';
import { defaultNodeOptions, envName, optionsFromEnv, resolveNodeOptions } from './node-options.js';

describe('node options', () => {
  it('layer defaults < config file < environment < flags', () => {
    const options = resolveNodeOptions([
      { source: 'config file', values: { maxCmds: 10, jitterMs: 5 } },
      {
        source: 'environment',
        values: optionsFromEnv({ COORDINATOR_MAX_CMDS: '20', COORDINATOR_SYNC: 'none' }),
      },
      { source: 'flags', values: { maxCmds: '30', dataDir: undefined } },
    ]);
    expect(options).toMatchObject({
      maxCmds: 30,
      jitterMs: 5,
      sync: 'none',
      dataDir: defaultNodeOptions.dataDir,
    });
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('map option names to COORDINATOR_* variables', () => {
    expect(envName('maxCmds')).toBe('COORDINATOR_MAX_CMDS');
    expect(envName('slowRetryIntervalMs')).toBe('COORDINATOR_SLOW_RETRY_INTERVAL_MS');
    expect(
      optionsFromEnv({ COORDINATOR_DATA_DIR: '/d', COORDINATOR_NODE_ID: '', OTHER: 'x' }),
    ).toEqual({ dataDir: '/d' });
  });

  it.each([
    [
      { maxCmds: 0 },
      'Expected `maxCmds` (from flags) to be an integer from 1 and up, got `0` (number)',
    ],
    [{ jitterMs: 'lots' }, 'Expected `jitterMs` (from flags) to be a number, got `lots` (string)'],
    [
      { sync: 'sometimes' },
      'Expected `sync` (from flags) to be one of "data", "none", got `sometimes` (string)',
    ],
    [
      { httpAddress: 'localhost' },
      'Expected `httpAddress` (from flags) to be a `host:port` address',
    ],
    [{ maxCmd: 3 }, 'Unknown option `maxCmd` in flags'],
  ])(
    'refuse %j naming the option, its source, the expectation and the value',
    (values, message) => {
      expect(() => resolveNodeOptions([{ source: 'flags', values }])).toThrow(message);
      expect(() => resolveNodeOptions([{ source: 'flags', values }])).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTION' }),
      );
    },
  );
});
