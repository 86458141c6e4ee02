import { describe, expect, it } from 'vitest';
import type { AnyActorLogic } from 'xstate';
import { getSimplePaths } from 'xstate/graph';
import { checkout, orderSaga } from '../test-support/shop.js';
import { describePath, faultPlans, simplePaths } from './machine-paths.js';

/** The paths as `getSimplePaths` lists them over the same machine. */
function simplePathsOf(machine: AnyActorLogic): string[] {
  const history = (snapshot: { historyValue?: Record<string, { id: string }[]> }) =>
    Object.values(snapshot.historyValue ?? {}).flatMap((nodes) => nodes.map((n) => n.id));
  const paths = getSimplePaths(machine, {
    events: ['START', 'OUTCOME', 'FAILED', 'DELAYED', 'BLOCKED', 'RETRY', 'DONE'].map((type) => ({
      type,
    })),
    serializeState: (s: { value: unknown }) => JSON.stringify([s.value, history(s as never)]),
  } as never);
  return paths
    .map((p) =>
      p.steps
        .slice(1)
        .map((s) => s.event.type)
        .join(' '),
    )
    .sort();
}

describe('machine paths', () => {
  it.each([
    ['a saga', orderSaga],
    ['a code body', checkout],
  ])('of %s are the simple paths xstate/graph lists', (_kind, commandType) => {
    const listed = simplePaths(commandType.stepper).map((p) =>
      p.events.map((e) => e.type).join(' '),
    );
    expect(listed.sort()).toEqual(simplePathsOf(commandType.machine));
  });

  it('gives each path the faults of its step attempts; paths differing only in trailing successes are one plan', () => {
    const paths = simplePaths(orderSaga.stepper);
    const plans = faultPlans(paths, 'order');
    const happy = plans.find((p) => p.faults.length === 0);
    expect(happy && describePath(happy.path)).toBe(
      'START → reserve OUTCOME → charge OUTCOME → ship OUTCOME → DONE',
    );
    const waits = plans.find((p) => p.faults.join(' ') === 'delayed blocked');
    // A simple path ends there: retrying would enter executing.reserve a second time.
    expect(waits && describePath(waits.path)).toBe(
      'START → reserve DELAYED → RETRY → reserve BLOCKED',
    );
  });

  it('refuses a machine event it does not know how to drive', () => {
    const path = {
      events: [
        { type: 'START', position: '' },
        { type: 'CANCEL', position: 'reserve' },
      ],
    };
    expect(() => faultPlans([path], 'order')).toThrow(
      'checkEveryPath cannot drive event CANCEL of Command type order: this version of the testing kit does not know it',
    );
  });
});
