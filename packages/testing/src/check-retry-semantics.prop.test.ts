import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkout, order, orderSaga, shop, shopBalances } from '../test-support/shop.js';
import { checkRetrySemantics, faultKinds, operatorActionKinds } from './index.js';

describe('checkRetrySemantics', () => {
  it('holds for a saga over idempotent fakes, with every kind of fault, crashes, an operator’s actions and several Commands', async () => {
    const report = await checkRetrySemantics(orderSaga, {
      receiver: () => shop(),
      payload: fc.record({
        sku: fc.constantFrom('A-1', 'B-2'),
        qty: fc.integer({ min: 1, max: 3 }),
        amount: fc.constant(order.amount),
      }),
      invariant: shopBalances,
      numRuns: 300,
      seed: 1,
    });
    expect(report).toMatchObject({ type: 'order', runs: 300, seed: 1 });
    for (const kind of faultKinds) expect(report.faults[kind]).toBeGreaterThan(0);
    for (const action of operatorActionKinds) expect(report.operator[action]).toBeGreaterThan(0);
    expect(report.crashes).toBeGreaterThan(0);
    expect(report.commands).toBeGreaterThan(300);
  });

  it('holds for a code body, and replays a kept schedule first', async () => {
    const kept = {
      commands: [
        { id: 'cmd-1', payload: order, at: 0 },
        { id: 'cmd-2', payload: order, at: 5 },
      ],
      faults: ['blocked', 'timeout-after-effect', 'ok', 'delayed'] as const,
      crashes: [4],
      seed: 9,
    };
    const report = await checkRetrySemantics(checkout, {
      receiver: () => shop(),
      payload: order,
      numRuns: 100,
      examples: [{ ...kept, faults: [...kept.faults] }],
    });
    expect(report.runs).toBe(100);
  });

  it('says which schedule made a run throw', async () => {
    const broken = () => {
      throw new Error('no fakes today');
    };
    const error = await checkRetrySemantics(orderSaga, {
      receiver: broken,
      payload: order,
      seed: 3,
    }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^checkRetrySemantics\(order\): a run threw\nSeed 3, path /,
    );
    expect(((error as Error).cause as Error).message).toBe('no fakes today');
  });
});
