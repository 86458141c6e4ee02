/**
 * Property 3: a crash at any record boundary. `replay` of the log prefix equals the live state at
 * that point, and resuming from it reaches the same final state as an uncrashed run (steps after
 * the crash point may repeat; recorded ones never do).
 */

import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { harness } from '../test-support/harness.js';
import { type Behaviour, orderSaga, ScriptedServices } from '../test-support/scripted.js';
import { type CommandView, commandView } from './command-view.js';
import type { LogRecord } from './records.js';
import { replay } from './replay.js';
import { type MemoryEventLog, settle } from './testing/index.js';

const types = new Map([[orderSaga.type, orderSaga]] as const);

/** What replay must rebuild: everything but timers. */
function essence(view: CommandView | undefined) {
  if (!view) return undefined;
  const { nextRetryAt: _next, partition: _p, ...rest } = view;
  return rest;
}

/**
 * Services whose behaviour depends only on what the log already holds for the step: the n-th
 * recorded attempt of a step always behaves the same, so a resumed run meets the same outcomes.
 */
function deterministicServices(log: () => MemoryEventLog, plan: Record<string, Behaviour[]>) {
  const services = new ScriptedServices();
  services.next = (info) => {
    const recorded = log()
      .all()
      .filter(
        (r: LogRecord) =>
          r.id === info.commandId &&
          (r.kind === 'outcome' ||
            r.kind === 'failed' ||
            r.kind === 'delayed' ||
            r.kind === 'blocked') &&
          r.step === info.step,
      ).length;
    return plan[`${info.commandId}:${info.step}`]?.[recorded] ?? 'ok';
  };
  return services;
}

const stepNames = ['reserve', 'charge', 'ship', 'compensate:reserve', 'compensate:charge'];
const planArb = fc.dictionary(
  fc.constantFrom(...['cmd-1', 'cmd-2'].flatMap((c) => stepNames.map((s) => `${c}:${s}`))),
  fc.array(fc.constantFrom<Behaviour>('ok', 'delayed', 'blocked', 'fail'), { maxLength: 3 }),
);

test.prop([planArb, fc.integer({ min: 1, max: 2 }), fc.nat()], { numRuns: 200 })(
  'replay of any prefix equals the live state, and a resumed run ends the same',
  async (plan, count, cutSeed) => {
    let live: MemoryEventLog | undefined;
    const snapshots: { position: number; id: string; view: CommandView | undefined }[] = [];
    const services = deterministicServices(() => live as MemoryEventLog, plan);
    const h = await harness(
      { fastRetryIntervalMs: 10 },
      {
        services,
        onEvent: (event, driver) => {
          if (event.type !== 'command.transition') return;
          snapshots.push({ position: -1, id: event.id, view: driver.get(event.id) });
        },
      },
    );
    live = h.log;
    const submitted = await Promise.all(
      Array.from({ length: count }, () =>
        h.driver.submit({ type: 'order', payload: { sku: 'A1' } }),
      ),
    );
    const ids = submitted.map((s) => s.id);
    await settle(h.driver, h.clock);
    const partition = h.driver.get(ids[0] as string)?.partition as number;
    const records = h.log.records(partition);
    const finals = ids.map((id) => essence(h.driver.get(id)));

    // Live state after each record equals replay of the prefix up to it. The accepted record has
    // no transition event of its own: the started record that shares its append follows.
    const transitions = records.filter((r) => r.record.kind !== 'accepted');
    expect(transitions).toHaveLength(snapshots.length);
    transitions.forEach((logged, i) => {
      const prefix = records.slice(0, logged.position + 1);
      const rebuilt = replay(prefix, types as never).get(logged.record.id);
      const snapshot = snapshots[i];
      expect(snapshot?.id).toBe(logged.record.id);
      expect(essence(rebuilt && commandView(rebuilt))).toEqual(essence(snapshot?.view));
    });

    // Crash after a random record; resume on a fresh driver; same final states.
    const cut = cutSeed % (records.length + 1);
    const crashed = h.log.cut(partition, cut);
    const prefixOutcomes = new Set(
      records
        .slice(0, cut)
        .filter((r) => r.record.kind === 'outcome')
        .map((r) => `${r.record.id}:${(r.record as { step: string }).step}`),
    );
    live = crashed;
    const again = deterministicServices(() => crashed, plan);
    const resumed = await harness({ fastRetryIntervalMs: 10 }, { log: crashed, services: again });
    await settle(resumed.driver, resumed.clock);
    ids.forEach((id, i) => {
      const acceptedInPrefix = records.slice(0, cut).some((r) => r.record.id === id);
      if (!acceptedInPrefix) {
        expect(resumed.driver.get(id)).toBeUndefined();
        return;
      }
      const final = essence(resumed.driver.get(id));
      const expected = finals[i];
      if (final === undefined) {
        // Finished before the checkpoint in effect at the crash: nothing of it runs again.
        expect(again.calls.filter((c) => c.commandId === id)).toEqual([]);
        expect(
          records.slice(0, cut).some((r) => r.record.id === id && r.record.kind === 'done'),
        ).toBe(true);
        return;
      }
      expect(final?.state).toBe('done');
      expect(final?.outcomes).toEqual(expected?.outcomes);
      expect(final?.failures).toEqual(expected?.failures);
      expect(final?.result).toEqual(expected?.result);
      expect(final?.error).toEqual(expected?.error);
    });
    // Recorded steps never ran again after the crash.
    for (const call of again.calls) expect(prefixOutcomes.has(call.idempotencyKey)).toBe(false);
  },
);
