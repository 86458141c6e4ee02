import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CoordinatorError, errorCodes, isErrorCode, toErrorData } from './errors.js';

describe('error codes', () => {
  it('are documented one for one in docs/errors.md, with the right retryable column', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (yes|no) \|/gm)];
    expect(rows.map((r) => r[1])).toEqual([...errorCodes]);
    for (const [, code, retryable] of rows) {
      expect(new CoordinatorError(code as never, 'x').retryable).toBe(retryable === 'yes');
    }
  });

  it('turn any thrown value into plain {code, message} data', () => {
    expect(toErrorData(CoordinatorError.blocked('open'))).toEqual({
      code: 'BLOCKED',
      message: 'open',
    });
    expect(toErrorData(new Error('boom'))).toEqual({ code: 'STEP_FAILED', message: 'boom' });
    expect(toErrorData('text', 'LOG_CORRUPT')).toEqual({ code: 'LOG_CORRUPT', message: 'text' });
    const foreign = Object.assign(new Error('open'), { code: 'BLOCKED' });
    expect(toErrorData(foreign)).toEqual({ code: 'BLOCKED', message: 'open' });
    const system = Object.assign(new Error('no file'), { code: 'ENOENT' });
    expect(toErrorData(system)).toEqual({ code: 'STEP_FAILED', message: 'no file' });
    expect(isErrorCode('FENCED')).toBe(true);
    expect(isErrorCode('NOPE')).toBe(false);
    const error = CoordinatorError.delayed('later', { cause: 'x' });
    expect(error).toMatchObject({
      name: 'CoordinatorError',
      code: 'DELAYED',
      retryable: true,
      cause: 'x',
    });
  });
});
