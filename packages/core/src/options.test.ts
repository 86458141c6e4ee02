import { describe, expect, it } from 'vitest';
import { defaultOptions, resolveOptions } from './options.js';

describe('resolveOptions', () => {
  it('fills every default from one frozen object', () => {
    expect(resolveOptions()).toEqual(defaultOptions);
    expect(Object.isFrozen(defaultOptions)).toBe(true);
    expect(resolveOptions({ maxCmds: 3 })).toMatchObject({ maxCmds: 3, slowRetryIntervalMs: 5000 });
    expect(resolveOptions({ maxCmds: undefined } as never).maxCmds).toBe(defaultOptions.maxCmds);
  });

  it('names the option, the expectation and the value it refuses', () => {
    expect(() => resolveOptions({ maxCmds: 0 })).toThrow(
      'Expected `maxCmds` to be an integer from 1 and up, got `0` (number)',
    );
    expect(() => resolveOptions({ jitterMs: '5' } as never)).toThrow(
      'Expected `jitterMs` to be an integer from 0 and up, got `5` (string)',
    );
    expect(() => resolveOptions({ slowRetryIntervalMs: 1.5 })).toThrow(
      /`slowRetryIntervalMs`.*`1.5`/,
    );
    expect(() => resolveOptions({ maxCmd: 3 } as never)).toThrow(/Unknown option `maxCmd`/);
    try {
      resolveOptions({ partitions: null } as never);
    } catch (error) {
      expect(error).toMatchObject({
        code: 'INVALID_OPTION',
        message: expect.stringContaining('(null)'),
      });
    }
  });
});
