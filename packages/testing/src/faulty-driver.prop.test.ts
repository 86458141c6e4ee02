/**
 * Driver changes the kit must catch, run against a patched core: `vi.mock` swaps one function of
 * a core module for a version that misbehaves while this file's switch is on (the core has no
 * test hook of its own). Each is caught with a shrunk counterexample whose timeline names the
 * culprit.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { caught } from '../test-support/caught.js';
import { checkout, order, orderSaga, shop } from '../test-support/shop.js';
import { checkRetrySemantics } from './index.js';

const broken = vi.hoisted(() => ({
  /** A retry no longer finds the Outcomes recorded before it: it runs those steps again. */
  forgetsOutcomes: false,
  /** The retry delay's jitter is not kept to ±jitterMs. */
  unboundedJitter: false,
  /** Admission ignores the suspension. */
  admitsWhileSuspended: false,
}));

vi.mock('../../core/src/command-state.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../core/src/command-state.ts')>();
  return {
    ...real,
    outcomeOf: (...args: Parameters<typeof real.outcomeOf>) =>
      broken.forgetsOutcomes ? undefined : real.outcomeOf(...args),
  };
});

vi.mock('../../core/src/retry-policy.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../core/src/retry-policy.ts')>();
  return {
    ...real,
    retryDelay: (timing: Parameters<typeof real.retryDelay>[0], random01: number) =>
      broken.unboundedJitter
        ? Math.round(timing.intervalMs + random01 * 4 * timing.jitterMs)
        : real.retryDelay(timing, random01),
  };
});

vi.mock('../../core/src/admission.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../core/src/admission.ts')>();
  return {
    ...real,
    admit: (state: Parameters<typeof real.admit>[0]) =>
      real.admit(broken.admitsWhileSuspended ? { ...state, suspended: false } : state),
  };
});

afterEach(() => {
  broken.forgetsOutcomes = false;
  broken.unboundedJitter = false;
  broken.admitsWhileSuspended = false;
});

describe('against a patched driver, the kit catches', () => {
  it('the unpatched driver passes', async () => {
    await checkRetrySemantics(checkout, {
      receiver: () => shop(),
      payload: order,
      numRuns: 50,
      seed: 5,
    });
  });

  it('a driver that retries a recorded step', async () => {
    broken.forgetsOutcomes = true;
    const failure = await caught(
      checkRetrySemantics(checkout, { receiver: () => shop(), payload: order, seed: 5 }),
    );
    expect(failure.violations[0]).toMatchObject({
      invariant: 'no-rerun-after-outcome',
      commandId: 'cmd-1',
      step: 'reserve',
    });
    expect(failure.message).toMatch(
      /!! no-rerun-after-outcome: step reserve of cmd-1 ran again \(execution 2\) although its Outcome is recorded at #2/,
    );
    expect(failure.message).toMatch(
      /faults by service call: #0 ok, #1 (delayed|blocked|timeout-after-effect) \(/,
    );
  });

  it('a retry policy without jitter bounds', async () => {
    broken.unboundedJitter = true;
    const failure = await caught(
      checkRetrySemantics(orderSaga, { receiver: () => shop(), payload: order, seed: 11 }),
    );
    expect(failure.violations[0]).toMatchObject({ invariant: 'retry-timing', commandId: 'cmd-1' });
    expect(failure.message).toMatch(
      /!! retry-timing: cmd-1 resumed at \d+ ms, \d+ ms after its (delayed|blocked) record at 0 ms; expected 1000 ± 100 ms/,
    );
    expect(failure.message).toMatch(/faults by service call: #0 (delayed|blocked) \(/);
  });

  it('a driver that admits new Commands while suspended', async () => {
    broken.admitsWhileSuspended = true;
    const failure = await caught(
      checkRetrySemantics(orderSaga, {
        receiver: () => shop(),
        payload: order,
        seed: 13,
        crashes: false,
      }),
    );
    expect(failure.violations[0]).toMatchObject({ invariant: 'admission', commandId: 'cmd-2' });
    expect(failure.message).toMatch(
      /!! admission: cmd-2 was admitted at \d+ ms while the node was suspended/,
    );
  });
});
