/**
 * Property 4: the checkpoint never passes the first needed record of an unfinished Command, and
 * advances when the oldest unfinished Command finishes.
 */

import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { harness } from '../test-support/harness.js';
import { type Behaviour, orderSaga, ScriptedServices } from '../test-support/scripted.js';
import { CheckpointTracker } from './checkpoint-tracker.js';
import { replay } from './replay.js';
import { settle } from './testing/index.js';

type Op =
  | { kind: 'open' }
  | { kind: 'record'; pick: number }
  | { kind: 'snapshot'; pick: number }
  | { kind: 'finish'; pick: number };

const opArb = fc.oneof(
  fc.constant<Op>({ kind: 'open' }),
  fc.nat().map((pick): Op => ({ kind: 'record', pick })),
  fc.nat().map((pick): Op => ({ kind: 'snapshot', pick })),
  fc.nat().map((pick): Op => ({ kind: 'finish', pick })),
);

test.prop([fc.nat({ max: 50 }), fc.array(opArb, { maxLength: 200 })])(
  'the tracker equals the lowest first-needed position, or the end when nothing is open',
  (start, ops) => {
    const tracker = new CheckpointTracker(start);
    const open = new Map<string, number>();
    let end = start;
    let next = 0;
    const append = () => {
      const position = end;
      end += 1;
      return position;
    };
    const pick = (n: number) => [...open.keys()][n % Math.max(1, open.size)];
    for (const op of ops) {
      const before = tracker.checkpoint;
      const oldest = Math.min(...open.values());
      if (op.kind === 'open') {
        const id = `c${next++}`;
        const position = append();
        tracker.need(id, position);
        open.set(id, position);
      } else if (op.kind === 'record') {
        tracker.observe(append());
      } else {
        const id = pick(op.pick);
        if (id === undefined) continue;
        if (op.kind === 'snapshot') {
          const position = append();
          tracker.need(id, position);
          open.set(id, position);
        } else {
          tracker.observe(append());
          tracker.release(id);
          open.delete(id);
        }
      }
      const expected = open.size === 0 ? end : Math.min(...open.values());
      expect(tracker.checkpoint).toBe(expected);
      expect(tracker.end).toBe(end);
      for (const first of open.values()) expect(tracker.checkpoint).toBeLessThanOrEqual(first);
      // It never moves back, and it moves forward when the oldest open Command is done.
      expect(tracker.checkpoint).toBeGreaterThanOrEqual(before);
      if (op.kind === 'finish' && open.size > 0 && Math.min(...open.values()) > oldest) {
        expect(tracker.checkpoint).toBeGreaterThan(before);
      }
    }
  },
);

test.prop(
  [
    fc.integer({ min: 1, max: 6 }),
    fc.array(fc.constantFrom<Behaviour>('ok', 'ok', 'delayed', 'fail'), { maxLength: 30 }),
    fc.integer({ min: 1, max: 12 }),
  ],
  { numRuns: 100 },
)(
  'on the driver, replay from the committed checkpoint rebuilds every unfinished Command',
  async (count, script, snapshotAfterRecords) => {
    const services = new ScriptedServices();
    const queue = [...script];
    // Commands that draw 'delayed' past the script keep waiting: they pin the checkpoint.
    services.next = () => queue.shift() ?? 'delayed';
    const { driver, log, clock } = await harness(
      {
        snapshotAfterRecords,
        checkpointIntervalMs: 10,
        slowRetryIntervalMs: 1000,
        doneRetention: 0,
      },
      { services },
    );
    for (let i = 0; i < count; i++) await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    // Run a while on virtual time: several retries, checkpoints and snapshots.
    await settle(driver, clock, 5_000);
    await driver.close();
    const types = new Map([[orderSaga.type, orderSaga]]) as never;
    for (const partition of log.partitions()) {
      const checkpoint = await log.loadCheckpoint(partition);
      const all = log.records(partition);
      const full = replay(all, types);
      const fromCheckpoint = replay(all.slice(checkpoint), types);
      const unfinished = [...full.values()].filter((c) => c.current.state !== 'done');
      for (const command of unfinished) {
        // The checkpoint lies at or before the unfinished Command's first needed record...
        expect(checkpoint).toBeLessThanOrEqual(command.firstPosition);
        // ...so replaying from it rebuilds the Command exactly.
        const rebuilt = fromCheckpoint.get(command.id);
        expect(rebuilt?.current).toBe(command.current);
        expect(rebuilt?.attempts).toBe(command.attempts);
        expect(rebuilt?.outcomes).toEqual(command.outcomes);
        expect(rebuilt?.failures).toEqual(command.failures);
      }
      // With every Command done, the checkpoint has moved past all of them.
      if (unfinished.length === 0) expect(checkpoint).toBe(all.length);
      else expect(checkpoint).toBe(Math.min(...unfinished.map((c) => c.firstPosition)));
    }
  },
);
