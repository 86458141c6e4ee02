import { describe, expect, it } from 'vitest';
import { orderSaga } from '../test-support/shop.js';
import { faultPlans, simplePaths } from './machine-paths.js';
import { describeMoves, operatorPlans } from './operator-plans.js';

const forward = (position: string) => !orderSaga.actions.get(position)?.compensation;

function derived() {
  const plans = operatorPlans(faultPlans(simplePaths(orderSaga.stepper), 'order'), forward);
  return plans.map((p) => `${p.faults.join(' ') || '-'} | ${describeMoves(p)}`);
}

describe('operator plans', () => {
  it('make each step failure a cancel: during the attempt before it, or while the step waits', () => {
    const plans = derived();
    // charge FAILED after reserve OUTCOME: a cancel while reserve runs; charge never runs.
    expect(plans).toContain('- | cancel (twice) during step attempt 1 (reserve)');
    // ship DELAYED → RETRY → ship FAILED: a cancel while ship runs (it then waits), or while it waits.
    expect(plans).toContain('ok ok delayed | cancel (twice) during step attempt 3 (ship)');
    expect(plans).toContain('ok ok delayed | cancel (twice) while ship waits after step attempt 3');
    expect(plans).toContain('blocked | cancel (twice) while reserve waits after step attempt 1');
    // The compensations after the cancel keep their faults.
    expect(plans).toContain('ok ok terminal | cancel (twice) during step attempt 2 (charge)');
  });

  it('end each wait with a retry now, and try the moves that must change nothing', () => {
    const plans = derived();
    expect(plans).toContain(
      'delayed blocked | retry-now (twice) while reserve waits after step attempt 1, retry-now (twice) while reserve waits after step attempt 2',
    );
    expect(plans).toContain('- | cancel (twice) during step attempt 3 (ship)');
    expect(plans).toContain('- | retry-now (twice) during step attempt 1 (reserve)');
    expect(plans).toContain(
      'ok ok terminal | cancel (twice) during step attempt 4 (compensate:charge)',
    );
  });
});
