import { defineSaga } from '@coordinator/core';
import { describe, expect, it } from 'vitest';
import { caught } from '../test-support/caught.js';
import {
  checkout,
  order,
  orderSaga,
  reserve,
  type Shop,
  shop,
  shopBalances,
} from '../test-support/shop.js';
import { checkEveryPath } from './index.js';

describe('checkEveryPath', () => {
  it('drives every simple path of a saga and covers its whole machine', async () => {
    const report = await checkEveryPath(orderSaga, {
      receiver: () => shop(),
      payload: order,
      invariant: shopBalances,
    });
    expect(report).toMatchObject({
      type: 'order',
      paths: 3590,
      runs: 1478 + 75,
      operator: { cancel: 32, retryNow: 43 },
      steps: ['reserve', 'charge', 'ship'],
    });
    expect(report.states).toEqual({ covered: 43, total: 43, missed: [] });
    expect(report.transitions).toEqual({ covered: 101, total: 101, missed: [] });
  });

  it('unfolds a code body into the steps of its fault-free run, each made to succeed, wait and fail', async () => {
    const report = await checkEveryPath(checkout, { receiver: () => shop(), payload: order });
    expect(report).toMatchObject({
      paths: 71,
      runs: 29 + 31,
      operator: { cancel: 12, retryNow: 19 },
      steps: ['reserve', 'charge'],
    });
    expect(report.states).toMatchObject({ covered: 6, total: 6 });
    expect(report.transitions).toMatchObject({ covered: 11, total: 11 });
  });

  it.each([
    ['a saga', orderSaga],
    ['a code body', checkout],
  ])(
    'cancels %s at each step boundary and while it waits, and retries each wait now',
    async (_kind, commandType) => {
      const seen = { cancelled: new Set<string>(), finished: 0, refused: 0, retriedNow: 0 };
      await checkEveryPath(commandType as typeof orderSaga, {
        receiver: () => shop(),
        payload: order,
        invariant: ({ entries, commands }) => {
          const records = entries.flatMap((e) => (e.kind === 'record' ? [e.record] : []));
          const answers = entries.flatMap((e) => (e.kind === 'operator' ? [e.answer] : []));
          if (records.some((r) => r.kind === 'retried' && r.by === 'operator'))
            seen.retriedNow += 1;
          if (answers.includes('WRONG_STATE')) seen.refused += 1;
          if (!records.some((r) => r.kind === 'cancelled')) return;
          const [command] = commands;
          if (command?.error?.code !== 'CANCELLED') seen.finished += 1;
          // Where the cancel took effect: the step it refused.
          const refused = entries.find(
            (e) =>
              (e.kind === 'record' &&
                e.record.kind === 'failed' &&
                e.record.error.code === 'CANCELLED') ||
              (e.kind === 'refused' && e.error.code === 'CANCELLED'),
          );
          if (refused?.kind === 'record' && refused.record.kind === 'failed') {
            seen.cancelled.add(refused.record.step);
          } else if (refused?.kind === 'refused') seen.cancelled.add(refused.step);
        },
      });
      // Every step but the first can be cancelled (the first, while it waits).
      expect([...seen.cancelled].sort()).toEqual(
        commandType === orderSaga ? ['charge', 'reserve', 'ship'] : ['charge', 'reserve'],
      );
      expect(seen.finished).toBeGreaterThan(0); // a cancel during the last step: its result stands
      expect(seen.retriedNow).toBeGreaterThan(0);
      if (commandType === orderSaga) expect(seen.refused).toBeGreaterThan(0); // while compensating
    },
  );

  it('reports a path it could not drive: a step that swallows the fault its call got', async () => {
    const swallowing = defineSaga<typeof order, Shop>({
      type: 'order',
      steps: [
        reserve,
        {
          name: 'charge',
          service: 'payments',
          run: (s, o, step) =>
            s.payments.post(step, '/charge', { amount: o.amount }).catch(() => 'unpaid'),
        },
      ],
    });
    const failure = await caught(
      checkEveryPath(swallowing, { receiver: () => shop(), payload: order }),
    );
    expect(failure.violations[0]).toMatchObject({
      invariant: 'follows-path',
      message:
        'step charge (attempt 2) was made to end terminal but ended ok: does the step catch the error its service call threw?',
    });
    expect(failure.message).toMatch(
      /Path: START → reserve OUTCOME → charge FAILED → compensate:reserve OUTCOME → DONE/,
    );
  });
});
