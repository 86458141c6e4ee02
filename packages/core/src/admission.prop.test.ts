/**
 * Property 5: admission never lets more than maxCmds new Commands in flight; a refused Command gets
 * OVERLOADED or SUSPENDED, never silence.
 */

import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { harness } from '../test-support/harness.js';
import { ScriptedServices } from '../test-support/scripted.js';
import { admit } from './admission.js';
import type { StepInfo } from './command-type.js';
import { CoordinatorError } from './errors.js';
import { settle } from './testing/index.js';

test.prop([fc.nat({ max: 20 }), fc.integer({ min: 1, max: 20 }), fc.boolean(), fc.boolean()])(
  'the admission rule refuses with a code exactly when it must',
  (inFlight, maxCmds, suspended, recovering) => {
    const verdict = admit({ inFlight, maxCmds, suspended, recovering });
    if (recovering) expect(verdict).toMatchObject({ admitted: false, code: 'NOT_READY' });
    else if (suspended) expect(verdict).toMatchObject({ admitted: false, code: 'SUSPENDED' });
    else if (inFlight >= maxCmds)
      expect(verdict).toMatchObject({ admitted: false, code: 'OVERLOADED' });
    else expect(verdict).toEqual({ admitted: true });
    if (!verdict.admitted) expect(verdict.message.length).toBeGreaterThan(10);
  },
);

/** Services whose calls hang until the test releases them, one at a time. */
class HeldServices extends ScriptedServices {
  readonly held: (() => void)[] = [];
  override async call(info: StepInfo): Promise<string> {
    await new Promise<void>((resolve) => this.held.push(resolve));
    return super.call(info);
  }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

type Op = { kind: 'submit'; burst: number } | { kind: 'release'; pick: number };

test.prop(
  [
    fc.integer({ min: 1, max: 6 }),
    fc.array(
      fc.oneof(
        fc.integer({ min: 1, max: 4 }).map((burst): Op => ({ kind: 'submit', burst })),
        fc.nat().map((pick): Op => ({ kind: 'release', pick })),
      ),
      { maxLength: 40 },
    ),
  ],
  { numRuns: 150 },
)(
  'the driver never holds more than maxCmds, and every refusal carries a code',
  async (maxCmds, ops) => {
    const services = new HeldServices();
    const { driver, clock } = await harness({ maxCmds }, { services });
    let accepted = 0;
    for (const op of ops) {
      if (op.kind === 'submit') {
        const results = await Promise.allSettled(
          Array.from({ length: op.burst }, () =>
            driver.submit({ type: 'order', payload: { sku: 'A1' } }),
          ),
        );
        for (const result of results) {
          if (result.status === 'fulfilled') {
            accepted += 1;
            continue;
          }
          expect(result.reason).toBeInstanceOf(CoordinatorError);
          expect(['OVERLOADED', 'SUSPENDED']).toContain(result.reason.code);
        }
        // A burst over the limit is refused, never queued silently.
        const inFlight = driver.status().inFlight;
        expect(inFlight).toBeLessThanOrEqual(maxCmds);
      } else {
        const held = services.held.splice(op.pick % Math.max(1, services.held.length), 1)[0];
        held?.();
      }
      await tick();
      expect(driver.status().inFlight).toBeLessThanOrEqual(maxCmds);
    }
    // Capacity returns as Commands finish: release everything, all accepted ones complete.
    while (driver.status().inFlight > 0) {
      for (let held = services.held.shift(); held; held = services.held.shift()) held();
      await tick();
    }
    await settle(driver, clock);
    expect(driver.list({ state: 'done', limit: 1000 }).commands).toHaveLength(accepted);
    expect(driver.status().inFlight).toBe(0);
    await expect(driver.submit({ type: 'order', payload: { sku: 'A1' } })).resolves.toMatchObject({
      existing: false,
    });
  },
);
