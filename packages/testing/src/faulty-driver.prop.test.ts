/**
 * Driver changes the kit must catch, run against a patched core: `vi.mock` swaps one function of
 * a core module for a version that misbehaves while this file's switch is on (the core has no
 * test hook of its own): a retry that forgets Outcomes, jitter without bounds, admission while
 * suspended, a cancel ignored, compensations on a cancel made twice and out of order. Each is
 * caught with a shrunk counterexample whose timeline names the culprit.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { caught } from '../test-support/caught.js';
import { checkout, order, orderSaga, shop } from '../test-support/shop.js';
import { checkEveryPath, checkRetrySemantics } from './index.js';

const broken = vi.hoisted(() => ({
  /** A retry no longer finds the Outcomes recorded before it: it runs those steps again. */
  forgetsOutcomes: false,
  /** The retry delay's jitter is not kept to ±jitterMs. */
  unboundedJitter: false,
  /** Admission ignores the suspension. */
  admitsWhileSuspended: false,
  /** The cancelled record is written but never applied: the Command runs on as if not cancelled. */
  ignoresCancel: false,
  /** On a cancel the driver undoes the completed steps itself, in the order they ran, then hands
   * the saga to its machine, which compensates them again. */
  compensatesForwardOnCancel: false,
}));

vi.mock('../../core/src/command-state.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../core/src/command-state.ts')>();
  return {
    ...real,
    outcomeOf: (...args: Parameters<typeof real.outcomeOf>) =>
      broken.forgetsOutcomes ? undefined : real.outcomeOf(...args),
    applyRecord: (...args: Parameters<typeof real.applyRecord>) => {
      real.applyRecord(...args);
      if (broken.ignoresCancel) args[0].cancelled = false;
    },
  };
});

vi.mock('../../core/src/command-runner.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../core/src/command-runner.ts')>();
  type Args = Parameters<typeof real.runCommand>;
  const undoForward = async ([command, type, receiver]: Args) => {
    if (type.kind !== 'saga') return;
    for (const { step: name, outcome } of command.outcomes) {
      const step = type.steps.find((s) => s.name === name);
      const state = `compensate:${name}`;
      await step?.compensate?.(receiver, command.payload, {
        commandId: command.id,
        step: state,
        idempotencyKey: `${command.id}:${state}`,
        attempt: command.attempts,
        outcomes: {},
        outcome,
      });
    }
  };
  return {
    ...real,
    runCommand: async (...args: Args) => {
      const [command] = args;
      if (broken.compensatesForwardOnCancel && command.cancelled && command.failures.length === 0) {
        await undoForward(args);
      }
      return real.runCommand(...args);
    },
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
  for (const key of Object.keys(broken) as (keyof typeof broken)[]) broken[key] = false;
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

  it('a driver that ignores a cancel: it runs the next step', async () => {
    broken.ignoresCancel = true;
    const failure = await caught(
      checkRetrySemantics(orderSaga, { receiver: () => shop(), payload: order, seed: 17 }),
    );
    expect(failure.violations[0]).toMatchObject({
      invariant: 'cancel',
      commandId: 'cmd-1',
      step: 'charge',
    });
    expect(failure.message).toMatch(
      /!! cancel: step charge of cmd-1 started at \d+ ms \(execution 1\) after the operator's cancel was recorded at #\d+/,
    );
    expect(failure.message).toMatch(/operator: cancel cmd-1 during its call #0\n/);
    expect(failure.message).toMatch(
      /cmd-1 {2}operator: cancel → ok \(executing\)\n.*#\d+ cancelled by the operator/,
    );
  });

  it('the same driver on its path: a cancel during a step, made twice', async () => {
    broken.ignoresCancel = true;
    const failure = await caught(
      checkEveryPath(orderSaga, { receiver: () => shop(), payload: order }),
    );
    expect(failure.violations.map((v) => v.message)).toEqual([
      'cmd-1 has 2 cancelled records: cancelling again must change nothing',
      expect.stringMatching(
        /^step ship of cmd-1 started at 0 ms \(execution 1\) after the operator's cancel/,
      ),
    ]);
    expect(failure.message).toMatch(/Operator: cancel \(twice\) during step attempt 2 \(charge\)/);
  });

  it('a driver that compensates a cancelled saga itself as well: twice, in the wrong order', async () => {
    broken.compensatesForwardOnCancel = true;
    const failure = await caught(
      checkRetrySemantics(orderSaga, { receiver: () => shop(), payload: order, seed: 19 }),
    );
    expect(failure.violations[0]).toMatchObject({ invariant: 'compensation', commandId: 'cmd-1' });
    expect(failure.message).toMatch(
      /!! compensation: cmd-1: it was cancelled before step charge, so the compensations must be \[compensate:reserve\] in that order, each once; they ran \[compensate:reserve, compensate:reserve\]/,
    );
    expect(failure.message).toMatch(/faults by service call: #0 ok, #1 delayed \(/);
    expect(failure.message).toMatch(/operator: cancel cmd-1 during its call #1\n/);
  });

  it('the same driver on its path: the order is wrong', async () => {
    broken.compensatesForwardOnCancel = true;
    const failure = await caught(
      checkEveryPath(orderSaga, { receiver: () => shop(), payload: order }),
    );
    expect(failure.violations[0]?.message).toBe(
      'cmd-1: it was cancelled before step ship, so the compensations must be [compensate:charge, compensate:reserve] in that order, each once; they ran [compensate:reserve, compensate:charge, compensate:charge, compensate:reserve]',
    );
    expect(failure.message).toMatch(/Operator: cancel \(twice\) during step attempt 3 \(ship\)/);
  });
});
