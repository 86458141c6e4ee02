import { describe, expect, it } from 'vitest';
import { orderSaga } from '../test-support/shop.js';
import { describePath, faultPlans, simplePaths } from './machine-paths.js';

describe('machine paths', () => {
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
