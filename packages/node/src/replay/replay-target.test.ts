import { CoordinatorError } from '@coordinator/core';
import { describe, expect, it } from 'vitest';
import { archivedOutcome } from '../../../../test/support/archived-outcomes.js';
import { hookTarget } from './replay-target.js';

const outcome = archivedOutcome(1, { cursor: '1' });

describe('hookTarget', () => {
  it('passes each Outcome and the Receiver to the hook; `skipped` is skipped, anything else sent', async () => {
    const seen: unknown[] = [];
    const receiver = { name: 'receiver' };
    const target = hookTarget((o, r) => {
      seen.push([o, r]);
      return o.cursor === '1' ? 'skipped' : undefined;
    }, receiver);
    expect(await target(outcome)).toMatchObject({ verdict: 'skipped' });
    expect(await target({ ...outcome, cursor: '2' })).toMatchObject({ verdict: 'sent' });
    expect(seen).toEqual([
      [outcome, receiver],
      [{ ...outcome, cursor: '2' }, receiver],
    ]);
  });

  it('retries what a retryable CoordinatorError refused and stops at any other error', async () => {
    const throwing = (error: unknown) =>
      hookTarget(() => {
        throw error;
      }, undefined)(outcome);
    expect(await throwing(CoordinatorError.delayed('payments answered 503'))).toEqual({
      verdict: 'retry',
      detail: 'the outcomeReplay hook threw DELAYED: payments answered 503',
    });
    expect(await throwing(CoordinatorError.blocked('open'))).toMatchObject({ verdict: 'retry' });
    expect(await throwing(new CoordinatorError('STEP_FAILED', '422'))).toEqual({
      verdict: 'terminal',
      detail: 'the outcomeReplay hook threw STEP_FAILED: 422',
    });
    expect(await throwing(new TypeError('x is undefined'))).toMatchObject({
      verdict: 'terminal',
      detail: expect.stringContaining('x is undefined'),
    });
    // An error from another copy of the package still says whether it is retryable.
    const foreign = Object.assign(new Error('later'), { code: 'DELAYED', retryable: true });
    expect(await throwing(foreign)).toMatchObject({ verdict: 'retry' });
  });
});
