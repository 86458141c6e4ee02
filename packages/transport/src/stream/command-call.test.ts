import { CoordinatorError } from '@coordinator/core';
import { describe, expect, it } from 'vitest';
import { CallState, CommandCall } from './command-call.js';

const accepted = { id: 'a', state: 'pending' as const, existing: false };
const done = { id: 'a', state: 'done' as const, result: 42 };

describe('CommandCall', () => {
  it('gives the first reply as accepted, the last as result, and all in order when iterated', async () => {
    const state = new CallState();
    const call = new CommandCall('a', state);
    const seen: unknown[] = [];
    const iterating = (async () => {
      for await (const reply of call) seen.push(reply);
    })();
    state.push(accepted, false);
    await expect(call.accepted).resolves.toEqual(accepted);
    state.push(done, true);
    await expect(call.result).resolves.toEqual(done);
    await iterating;
    expect(seen).toEqual([accepted, done]);
  });

  it('rejects result and ends iteration with the error after an interim reply', async () => {
    const state = new CallState();
    const call = new CommandCall('a', state);
    state.push(accepted, false);
    state.fail(new CoordinatorError('CONNECTION_LOST', 'gone'));
    await expect(call.accepted).resolves.toEqual(accepted);
    await expect(call.result).rejects.toMatchObject({ code: 'CONNECTION_LOST', retryable: true });
    const seen: unknown[] = [];
    await expect(
      (async () => {
        for await (const reply of call) seen.push(reply);
      })(),
    ).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
    expect(seen).toEqual([accepted]);
  });

  it('creates no promise nobody asked for, so an unobserved failure is no unhandled rejection', () => {
    const state = new CallState();
    new CommandCall('a', state);
    state.fail(new CoordinatorError('OVERLOADED', 'full'));
    expect(state.failed).toBe(true);
  });
});
