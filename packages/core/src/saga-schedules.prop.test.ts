/**
 * Property 1: for any schedule of Delayed / Blocked / success / terminal failure per step attempt,
 * every Command ends done; each step's Outcome is recorded exactly once; no step runs again after
 * its Outcome is recorded; compensations run exactly once per completed step, in reverse order.
 */

import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { harness } from '../test-support/harness.js';
import { type Behaviour, ScriptedServices, sagaSteps } from '../test-support/scripted.js';
import { compensationState } from './command-machine.js';
import type { LogRecord } from './records.js';
import { settle } from './testing/index.js';

const behaviour = fc.constantFrom<Behaviour>('ok', 'ok', 'delayed', 'blocked', 'fail');

test.prop([fc.integer({ min: 1, max: 4 }), fc.array(behaviour, { maxLength: 40 }), fc.integer()], {
  numRuns: 150,
})(
  'every Command ends done, each Outcome once, compensations in reverse',
  async (count, script, seed) => {
    const services = new ScriptedServices();
    const queue = [...script];
    services.next = () => queue.shift() ?? 'ok';
    const { driver, log, clock } = await harness({ fastRetryIntervalMs: 10 }, { services, seed });
    const ids = await Promise.all(
      Array.from({ length: count }, async () => {
        const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1' } });
        return id;
      }),
    );
    await settle(driver, clock);

    for (const id of ids) {
      expect(driver.get(id)?.state).toBe('done');
      const records = log.all().filter((r) => r.id === id);
      expect(records.filter((r) => r.kind === 'done')).toHaveLength(1);
      const outcomes = records.filter(
        (r): r is Extract<LogRecord, { kind: 'outcome' }> => r.kind === 'outcome',
      );
      expect(new Set(outcomes.map((o) => o.step)).size).toBe(outcomes.length);

      // No call for a step after its Outcome was recorded: its last call is its only success.
      const calls = services.calls.filter((c) => c.commandId === id);
      for (const o of outcomes) {
        const forStep = calls.filter((c) => c.step === o.step);
        expect(forStep.filter((c) => c.behaviour === 'ok')).toHaveLength(1);
        expect(forStep.at(-1)?.behaviour).toBe('ok');
      }

      const failed = records.find((r) => r.kind === 'failed' && !r.step.startsWith('compensate:'));
      const completed = outcomes.map((o) => o.step).filter((s) => !s.startsWith('compensate:'));
      const compensations = records
        .filter(
          (r) => (r.kind === 'outcome' || r.kind === 'failed') && r.step.startsWith('compensate:'),
        )
        .map((r) => (r as { step: string }).step);
      const done = records.at(-1);
      if (failed) {
        const expected = [...completed]
          .reverse()
          .filter((s) => s !== 'ship')
          .map(compensationState);
        expect(compensations).toEqual(expected);
        expect(done).toMatchObject({ kind: 'done', error: { code: expect.any(String) } });
      } else {
        expect(completed).toEqual([...sagaSteps]);
        expect(compensations).toEqual([]);
        expect(done).toMatchObject({ kind: 'done', result: { ship: `ship@${id}` } });
      }
    }
  },
);
