/**
 * Property 2: retry delays lie in [interval - jitter, interval + jitter] and are never negative;
 * while suspended the slow interval is used until the first success, then the fast one; the node
 * accepts again exactly when nothing waits.
 */

import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { harness } from '../test-support/harness.js';
import { type Behaviour, ScriptedServices } from '../test-support/scripted.js';
import type { CoordinatorEvent } from './events.js';
import { retryDelay } from './retry-policy.js';
import { SuspensionController, type SuspensionState } from './suspension.js';
import { settle } from './testing/index.js';

const random01 = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

test.prop([fc.nat({ max: 1e7 }), fc.nat({ max: 1e7 }), random01])(
  'a retry delay lies within the jitter around the interval and is never negative',
  (intervalMs, jitterMs, r) => {
    const delay = retryDelay({ intervalMs, jitterMs }, r);
    expect(Number.isInteger(delay)).toBe(true);
    expect(delay).toBeGreaterThanOrEqual(Math.max(0, intervalMs - jitterMs));
    expect(delay).toBeLessThanOrEqual(intervalMs + jitterMs);
  },
);

type Op = { kind: 'blocked' } | { kind: 'success' } | { kind: 'waiting'; count: number };

test.prop([
  fc.array(
    fc.oneof(
      fc.constant<Op>({ kind: 'blocked' }),
      fc.constant<Op>({ kind: 'success' }),
      fc.nat({ max: 3 }).map((count): Op => ({ kind: 'waiting', count })),
    ),
  ),
])('the suspension controller follows its rules for any sequence', (ops) => {
  const controller = new SuspensionController();
  let model: SuspensionState = 'accepting';
  for (const op of ops) {
    if (op.kind === 'blocked') {
      controller.blocked();
      model = 'suspended-slow';
    } else if (op.kind === 'success') {
      const switched = controller.retrySucceeded();
      expect(switched).toBe(model === 'suspended-slow');
      if (model === 'suspended-slow') model = 'suspended-fast';
    } else {
      const resumed = controller.waiting(op.count);
      expect(resumed).toBe(op.count === 0 && model !== 'accepting');
      if (op.count === 0) model = 'accepting';
    }
    expect(controller.state).toBe(model);
    expect(controller.interval).toBe(model === 'suspended-fast' ? 'fast' : 'slow');
    expect(controller.suspended).toBe(model !== 'accepting');
  }
});

const slow = 1_000;
const fast = 50;
const jitter = 100;

interface Moment {
  readonly at: number;
  readonly event: CoordinatorEvent;
  readonly suspension: SuspensionState;
  readonly waiting: number;
}

test.prop(
  [
    fc.integer({ min: 1, max: 5 }),
    fc.array(fc.constantFrom<Behaviour>('ok', 'delayed', 'blocked'), { maxLength: 30 }),
    fc.integer(),
  ],
  {
    numRuns: 150,
    // Found by this property: a delay recorded while another Command's success resumed the node
    // was once scheduled after the resume, at the slow interval.
    examples: [[2, ['delayed', 'blocked', 'ok', 'delayed', 'blocked', 'delayed'], 993747804]],
  },
)(
  'on the driver, retries wait the slow interval until a success while suspended, then the fast one',
  async (count, script, seed) => {
    const services = new ScriptedServices();
    const queue = [...script];
    services.next = () => queue.shift() ?? 'ok';
    const timeline: Moment[] = [];
    const { driver, clock } = await harness(
      { slowRetryIntervalMs: slow, fastRetryIntervalMs: fast, jitterMs: jitter },
      {
        services,
        seed,
        onEvent: (event, d) => {
          const { suspension, waiting } = d.status();
          timeline.push({ at: clock.now(), event, suspension, waiting });
        },
      },
    );
    const submitted = await Promise.allSettled(
      Array.from({ length: count }, () => driver.submit({ type: 'order', payload: { sku: 'A1' } })),
    );
    const ids = submitted.flatMap((s) => (s.status === 'fulfilled' ? [s.value.id] : []));
    for (const s of submitted) {
      // Refused only because the node is suspended.
      if (s.status === 'rejected') expect(s.reason).toMatchObject({ code: 'SUSPENDED' });
    }
    await settle(driver, clock);

    for (const moment of timeline) {
      // Suspended only while something waits; accepting again the moment nothing does.
      if (moment.suspension !== 'accepting') expect(moment.waiting).toBeGreaterThan(0);
      if (moment.event.type === 'node.suspension' && moment.event.state === 'accepting') {
        expect(moment.waiting).toBe(0);
      }
    }
    timeline.forEach((moment, i) => {
      const { event } = moment;
      if (
        event.type !== 'command.transition' ||
        (event.record !== 'delayed' && event.record !== 'blocked')
      ) {
        return;
      }
      const j = timeline.findIndex(
        (m, k) => k > i && m.event.type === 'command.transition' && m.event.id === event.id,
      );
      const resumed = timeline[j];
      expect(resumed?.event).toMatchObject({ type: 'command.transition', record: 'retried' });
      const elapsed = (resumed?.at ?? 0) - moment.at;
      // A block suspends at the slow interval; a delay waits at whatever interval the node is on.
      const scheduledIn = event.record === 'blocked' ? 'suspended-slow' : moment.suspension;
      const wentFast = timeline
        .slice(i + 1, j)
        .some((m) => m.event.type === 'node.suspension' && m.event.state === 'suspended-fast');
      if (scheduledIn === 'suspended-fast') {
        expect(elapsed).toBeGreaterThanOrEqual(Math.max(0, fast - jitter));
        expect(elapsed).toBeLessThanOrEqual(fast + jitter);
      } else if (wentFast) {
        // The first success switched the node to fast retries: this one was brought forward.
        expect(elapsed).toBeLessThanOrEqual(slow + jitter);
      } else {
        expect(elapsed).toBeGreaterThanOrEqual(slow - jitter);
        expect(elapsed).toBeLessThanOrEqual(slow + jitter);
      }
    });
    for (const id of ids) expect(driver.get(id)?.state).toBe('done');
    expect(driver.status()).toMatchObject({ waiting: 0, suspension: 'accepting' });
  },
);
