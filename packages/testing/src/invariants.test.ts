import { readFileSync } from 'node:fs';
import { CoordinatorError, defineSaga } from '@coordinator/core';
import { describe, expect, it } from 'vitest';
import { caught } from '../test-support/caught.js';
import { order, orderSaga, type Shop, shop } from '../test-support/shop.js';
import {
  checkRun,
  findViolations,
  invariantNames,
  type Run,
  runSchedule,
  SimulatedNode,
} from './index.js';

const once = { commands: [{ id: 'cmd-1', payload: order, at: 0 }], crashes: [], seed: 1 };

describe('the invariants', () => {
  it('ends-done: a Command still waiting when the time budget runs out', async () => {
    const down = {
      ...shop(),
      payments: { post: async () => Promise.reject(CoordinatorError.delayed('503')) },
    };
    const run = await runSchedule(
      orderSaga,
      { ...once, faults: [] },
      { receiver: () => down as unknown as Shop },
    );
    const failure = await caught(checkRun(run));
    expect(run.settled).toBe(false);
    expect(await findViolations(run, { except: ['ends-done'] })).toEqual([]);
    expect(failure.violations).toEqual([
      expect.objectContaining({
        invariant: 'ends-done',
        message: 'cmd-1 is delayed at step charge when the time budget ran out',
      }),
    ]);
  });

  it('same-key: a service call that does not carry its step’s idempotency key', async () => {
    const keyless = defineSaga<typeof order, Shop>({
      type: 'order',
      steps: [
        {
          name: 'reserve',
          service: 'inventory',
          run: (s, o) => s.inventory.post({ idempotencyKey: `${o.sku}-now` }, '/reserve', o),
        },
      ],
    });
    const run = await runSchedule(keyless, { ...once, faults: [] }, { receiver: () => shop() });
    const [violation] = await findViolations(run);
    expect(violation?.message).toBe(
      'step reserve of cmd-1 called inventory.post (call #0) without its idempotency key cmd-1:reserve: the service cannot tell a retry from a new request',
    );
  });

  it('compensation: compensations out of reverse order', async () => {
    const run = await runSchedule(
      orderSaga,
      { ...once, faults: ['ok', 'ok', 'terminal'] },
      { receiver: () => shop() },
    );
    await checkRun(run);
    const steps = run.records.map((r) => ('step' in r.record ? r.record.step : r.record.kind));
    expect(steps.slice(-3)).toEqual(['compensate:charge', 'compensate:reserve', 'done']);
    const [charge, reserve, done] = run.records.slice(-3);
    const records = [...run.records.slice(0, -3), reserve, charge, done].flatMap((r) => r ?? []);
    const swapped: Run<Shop> = { ...run, records };
    const [violation] = await findViolations(swapped, { except: ['transient-result'] });
    expect(violation).toMatchObject({
      invariant: 'compensation',
      message:
        'cmd-1: step ship failed, so the compensations must be [compensate:charge, compensate:reserve] in that order, each once; they were [compensate:reserve, compensate:charge]',
    });
  });

  it('invariant: yours, with the message it throws', async () => {
    const node = await SimulatedNode.start({ types: [orderSaga], receiver: shop() });
    node.send({ id: 'o-1', payload: order });
    await node.settle();
    const violations = await findViolations(node.run(), {
      invariant: ({ receiver }) => {
        expect(receiver.shipping.total('/ship')).toBe(3);
      },
    });
    expect(violations).toEqual([
      { invariant: 'invariant', message: 'expected 2 to be 3 // Object.is equality' },
    ]);
  });

  it('retry-now: a retry by the operator that no operator action asked for', async () => {
    const node = await SimulatedNode.start({
      types: [orderSaga],
      receiver: shop(),
      faults: ['delayed'],
    });
    await node.submit({ id: 'o-1', payload: order });
    await node.retryNow('o-1');
    await node.settle();
    const run = node.run();
    await checkRun(run);
    const unasked: Run<Shop> = {
      ...run,
      entries: run.entries.filter((e) => e.kind !== 'operator'),
    };
    expect(await findViolations(unasked)).toEqual([
      expect.objectContaining({
        invariant: 'retry-now',
        message: expect.stringMatching(
          /^o-1 was retried by the operator at #\d+ \(0 ms\) but no operator action asked for it then/,
        ),
      }),
    ]);
  });

  it('cancel: a waiting Command the operator cancels goes to its next step boundary at once', async () => {
    const node = await SimulatedNode.start({
      types: [orderSaga],
      receiver: shop(),
      faults: ['ok', 'blocked'],
    });
    await node.submit({ id: 'o-1', payload: order });
    await node.cancel('o-1');
    const run = node.run();
    await checkRun(run);
    // As if the Driver had answered the cancel and left the Command waiting for its timer.
    const entries = run.entries.map((e) =>
      e.kind === 'operator' ? { ...e, answer: 'ok (blocked)' } : e,
    );
    expect(await findViolations({ ...run, entries })).toEqual([
      expect.objectContaining({
        invariant: 'cancel',
        message:
          "the operator's cancel of o-1 at 0 ms was answered with it still blocked: a waiting Command runs its next attempt at once",
      }),
    ]);
  });

  it('are each documented in docs/testing.md', () => {
    const doc = readFileSync(new URL('../../../docs/testing.md', import.meta.url), 'utf8');
    for (const name of invariantNames) expect(doc).toContain(`| \`${name}\` |`);
  });
});
