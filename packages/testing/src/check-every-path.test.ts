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
      runs: 1478,
      steps: ['reserve', 'charge', 'ship'],
    });
    expect(report.states).toEqual({ covered: 43, total: 43, missed: [] });
    expect(report.transitions).toEqual({ covered: 101, total: 101, missed: [] });
  });

  it('unfolds a code body into the steps of its fault-free run, each made to succeed, wait and fail', async () => {
    const report = await checkEveryPath(checkout, { receiver: () => shop(), payload: order });
    expect(report).toMatchObject({ paths: 71, runs: 29, steps: ['reserve', 'charge'] });
    expect(report.states).toMatchObject({ covered: 6, total: 6 });
    expect(report.transitions).toMatchObject({ covered: 11, total: 11 });
  });

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
