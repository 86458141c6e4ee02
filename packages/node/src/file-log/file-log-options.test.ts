import { CoordinatorError } from '@coordinator/core';
import { describe, expect, it } from 'vitest';
import { fileLogOptions } from './file-log-options.js';

function failure(run: () => unknown): CoordinatorError {
  try {
    run();
  } catch (error) {
    if (error instanceof CoordinatorError) return error;
    throw error;
  }
  throw new Error('expected a CoordinatorError');
}

describe('fileLogOptions', () => {
  it('fills every default, keeps durability on and returns a frozen object', () => {
    const options = fileLogOptions.resolve({ dir: '/data' });
    expect(options).toMatchObject({
      dir: '/data',
      segmentBytes: 64 * 1024 * 1024,
      sync: 'data',
      retainSegments: 'all',
      verifyOnOpen: 'tail',
    });
    expect(Object.isFrozen(options)).toBe(true);
    expect(Object.isFrozen(fileLogOptions.defaults)).toBe(true);
  });

  it('treats an option given as undefined as not given', () => {
    expect(fileLogOptions.resolve({ dir: 'd', sync: undefined } as never).sync).toBe('data');
  });

  it.each([
    [{ dir: '' }, 'Expected FileLog option `dir` to be a non-empty string, got `` (string)'],
    [
      { dir: 'd', segmentBytes: 10 },
      'Expected FileLog option `segmentBytes` to be an integer from 64 and up, got `10` (number)',
    ],
    [
      { dir: 'd', segmentBytes: 1.5 },
      'Expected FileLog option `segmentBytes` to be an integer from 64 and up, got `1.5` (number)',
    ],
    [
      { dir: 'd', sync: 'fsync' },
      'Expected FileLog option `sync` to be one of "data", "none", got `fsync` (string)',
    ],
    [
      { dir: 'd', retainSegments: 3 },
      'Expected FileLog option `retainSegments` to be one of "all", "from-checkpoint", got `3` (number)',
    ],
    [
      { dir: 'd', verifyOnOpen: null },
      'Expected FileLog option `verifyOnOpen` to be one of "tail", "all", got `null` (null)',
    ],
    [
      { dir: 'd', onEvent: 'log' },
      'Expected FileLog option `onEvent` to be a function, got `log` (string)',
    ],
  ])('refuses %j with INVALID_OPTION naming option, expectation and value', (input, message) => {
    const error = failure(() => fileLogOptions.resolve(input as never));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message).toBe(message);
  });

  it('refuses an unknown option and lists the known ones', () => {
    const error = failure(() => fileLogOptions.resolve({ dir: 'd', segmentSize: 1 } as never));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message).toBe(
      'Unknown FileLog option `segmentSize`; known: dir, segmentBytes, sync, retainSegments, outcomeRetention, outcomeRetentionByService, archiveSegmentBytes, verifyOnOpen, onEvent',
    );
  });
});
