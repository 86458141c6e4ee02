/**
 * Broken variants the kit must catch, each with a shrunk counterexample whose printed timeline
 * names the culprit: a saga whose compensation forgets a step, a service that is not idempotent,
 * a code body calling a service outside `ctx.step`, a code body that goes on after a cancel. (The driver's own mutations are in
 * faulty-driver.prop.test.ts, which patches the core.)
 */
import { defineCommand, defineSaga } from '@coordinator/core';
import { describe, expect, it } from 'vitest';
import { caught } from '../test-support/caught.js';
import {
  charge,
  order,
  orderSaga,
  reserve,
  type Shop,
  ship,
  shop,
  shopBalances,
} from '../test-support/shop.js';
import { checkEveryPath, checkRetrySemantics } from './index.js';

/** The forgotten refund: charge has no compensation. */
const forgetfulSaga = defineSaga({
  type: 'order',
  steps: [reserve, { name: charge.name, service: charge.service, run: charge.run }, ship],
});

/** Reserves outside ctx.step: no key, not recorded, made again on every retry. */
const sloppyCheckout = defineCommand<typeof order, unknown, Shop>({
  type: 'checkout',
  services: ['inventory', 'payments'],
  async exec(ctx, o, s) {
    const reservation = await s.inventory.post(
      { idempotencyKey: `${ctx.commandId}:reserve` },
      '/reserve',
      { qty: o.qty },
    );
    const payment = await ctx.step('payments', 'charge', (step) =>
      s.payments.post(step, '/charge', { amount: o.amount }),
    );
    return { reservation, payment };
  },
});

/** Goes on when a cancel refuses its charge: a cancel no longer ends it. */
const stubbornCheckout = defineCommand<typeof order, unknown, Shop>({
  type: 'checkout',
  services: ['inventory', 'payments'],
  async exec(ctx, o, s) {
    const reservation = await ctx.step('inventory', 'reserve', (step) =>
      s.inventory.post(step, '/reserve', { qty: o.qty }),
    );
    const payment = await ctx
      .step('payments', 'charge', (step) => s.payments.post(step, '/charge', { amount: o.amount }))
      .catch((error: { code?: string }) => {
        if (error.code === 'CANCELLED') return 'invoice later';
        throw error;
      });
    return { reservation, payment };
  },
});

describe('the kit catches', () => {
  it('a saga whose compensation forgets a step (your invariant over the fakes, shrunk to one failure)', async () => {
    const failure = await caught(
      checkRetrySemantics(forgetfulSaga, {
        receiver: () => shop(),
        payload: order,
        invariant: shopBalances,
        seed: 42,
      }),
    );
    expect(failure.violations.map((v) => v.invariant)).toEqual(['invariant']);
    expect(failure.message).toMatch(/payments kept 40 charged but 0 is owed/);
    expect(failure.message).toMatch(/commands: cmd-1 \S+ at \d+ ms\n/);
    expect(failure.message).toMatch(/faults by service call: #0 ok, #1 ok, #2 terminal \(/);
    expect(failure.message).toMatch(/charge \(no compensation declared\)/);
    expect(failure.message).toMatch(/Seed 42, path "[\d:]+"/);
  });

  it('the same forgotten compensation on its path', async () => {
    const failure = await caught(
      checkEveryPath(forgetfulSaga, {
        receiver: () => shop(),
        payload: order,
        invariant: shopBalances,
      }),
    );
    expect(failure.message).toMatch(/Path: START → reserve OUTCOME → charge OUTCOME → ship FAILED/);
    expect(failure.message).toMatch(/charge \(no compensation declared\)/);
  });

  it('a service that is not idempotent (charges again on a repeated key)', async () => {
    const failure = await caught(
      checkRetrySemantics(orderSaga, {
        receiver: () => shop({ idempotentPayments: false }),
        payload: order,
        seed: 7,
        crashes: false,
      }),
    );
    const culprit = failure.violations.find((v) => v.invariant === 'same-answer');
    expect(culprit?.message).toMatch(
      /payments\.post answered the repeated key cmd-1:charge differently: \{"payment":"P-cmd-1:charge"\} at call #1, then \{"payment":"P-cmd-1:charge\/2"\}/,
    );
    expect(failure.message).toMatch(/faults by service call: #0 ok, #1 timeout-after-effect \(/);
    expect(failure.message).toMatch(/call #1 payments\.post\(.*✗ timeout-after-effect injected/);
  });

  it('a code body that calls a service outside ctx.step', async () => {
    const failure = await caught(
      checkRetrySemantics(sloppyCheckout, { receiver: () => shop(), payload: order, seed: 3 }),
    );
    expect(failure.violations[0]).toMatchObject({
      invariant: 'calls-in-steps',
      commandId: 'cmd-1',
    });
    expect(failure.message).toMatch(/cmd-1 called inventory\.post outside ctx\.step/);
    expect(failure.message).toMatch(/faults by service call: none/);
    expect(failure.message).toMatch(/crashes: none/);
  });

  it('a code body that goes on when a cancel refuses its step', async () => {
    const failure = await caught(
      checkRetrySemantics(stubbornCheckout, { receiver: () => shop(), payload: order, seed: 23 }),
    );
    expect(failure.violations[0]).toMatchObject({ invariant: 'cancel', commandId: 'cmd-1' });
    expect(failure.message).toMatch(
      /!! cancel: cmd-1 was cancelled \(its next step was refused with CANCELLED\) but ended with a result: a cancelled Command ends CANCELLED/,
    );
    expect(failure.message).toMatch(/step charge refused before it ran: CANCELLED/);
    expect(failure.message).toMatch(/operator: cancel cmd-1 /);
  });

  it('the same body on its path', async () => {
    const failure = await caught(
      checkEveryPath(stubbornCheckout, { receiver: () => shop(), payload: order }),
    );
    expect(failure.violations[0]?.invariant).toBe('cancel');
    expect(failure.message).toMatch(/Operator: cancel \(twice\) /);
  });
});
