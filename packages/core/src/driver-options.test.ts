import { driverOptions } from '@coordinator/core';
import { describe, expect, it } from 'vitest';

describe('driverOptions', () => {
  it('fills every default from one frozen object', () => {
    expect(driverOptions.resolve()).toEqual(driverOptions.defaults);
    expect(Object.isFrozen(driverOptions.defaults)).toBe(true);
    expect(driverOptions.resolve({ maxCmds: 3 })).toMatchObject({
      maxCmds: 3,
      slowRetryIntervalMs: 5000,
    });
    expect(driverOptions.resolve({ maxCmds: undefined }).maxCmds).toBe(10_000);
  });

  it('names the option, the expectation and the value it refuses', () => {
    expect(() => driverOptions.resolve({ maxCmds: 0 })).toThrow(
      'Expected Driver option `maxCmds` to be an integer from 1 and up, got `0` (number)',
    );
    expect(() => driverOptions.resolve({ jitterMs: '5' } as never)).toThrow(
      'Expected Driver option `jitterMs` to be an integer from 0 and up, got `5` (string)',
    );
    expect(() => driverOptions.resolve({ slowRetryIntervalMs: 1.5 })).toThrow(
      /`slowRetryIntervalMs`.*`1.5`/,
    );
    expect(() => driverOptions.resolve({ maxCmd: 3 } as never)).toThrow(
      /Unknown Driver option `maxCmd`/,
    );
    expect(() => driverOptions.resolve({ partitions: null } as never)).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringContaining('(null)'),
      }),
    );
  });
});
