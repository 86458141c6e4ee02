import { CoordinatorError } from '@coordinator/core';
import {
  abandonedByCancel,
  checkEveryPath,
  checkRetrySemantics,
  type Run,
  SimulatedNode,
} from '@coordinator/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Gateway, type Order, orderSaga, type Services } from '../src/order.js';

type Route = (body: Partial<Order>) => unknown;

/**
 * An in-memory service: answers per path, answers a repeated idempotency key with its first
 * answer (as real services must), and counts what it did per path.
 */
function service(routes: Record<string, Route>) {
  const answers = new Map<string, unknown>();
  const done = new Map<string, number>();
  const gateway: Gateway & { readonly done: typeof done } = {
    done,
    async post(step, path, body) {
      if (!answers.has(step.idempotencyKey)) {
        const route = routes[path];
        if (!route) throw new CoordinatorError('STEP_FAILED', `no ${path}`);
        answers.set(step.idempotencyKey, route(body as Partial<Order>));
        done.set(path, (done.get(path) ?? 0) + 1);
      }
      return answers.get(step.idempotencyKey) as never;
    },
  };
  return gateway;
}

/** Fresh services for each run; payments declines amounts over 1000. */
function services() {
  return {
    inventory: service({ '/reserve': () => ({ reservation: 'R-1' }), '/release': () => ({}) }),
    payments: service({
      '/charge': ({ amount = 0 }) => {
        if (amount > 1000) throw new CoordinatorError('STEP_FAILED', 'card declined');
        return { payment: 'P-1' };
      },
    }),
  };
}

/** Whatever happened, stock stays reserved only for the orders that were charged. */
function stockHeldOnlyForPaidOrders(run: Run<Services>) {
  const { inventory } = run.receiver as ReturnType<typeof services>;
  const held = (inventory.done.get('/reserve') ?? 0) - (inventory.done.get('/release') ?? 0);
  const paid = run.commands.filter((c) => c.state === 'done' && c.error === undefined).length;
  // A release that fails for good leaves its stock held, and so does a cancel that ends a reserve
  // whose answer was lost: that is for an operator to see.
  if (run.commands.some((c) => c.error?.code === 'COMPENSATION_FAILED')) return;
  if (abandonedByCancel(run).length > 0) return;
  expect(held).toBe(paid);
}

const order: Order = { sku: 'A-1', qty: 2, amount: 40 };

describe('the order saga', () => {
  it('reserves, then charges', async () => {
    const node = await SimulatedNode.start({ types: [orderSaga], receiver: services() });
    await node.submit({ id: 'o-1', payload: order });
    expect(node.get('o-1')).toMatchObject({
      state: 'done',
      result: { reserve: { reservation: 'R-1' } },
    });
  });

  it('retries a charge while payments is unavailable, without reserving twice', async () => {
    const receiver = services();
    // The first call (reserve) goes through; the next two (charge) find payments unavailable.
    const node = await SimulatedNode.start({
      types: [orderSaga],
      receiver,
      faults: ['ok', 'delayed', 'delayed'],
    });
    await node.submit({ id: 'o-1', payload: order });
    await node.settle();
    expect(node.get('o-1')).toMatchObject({ state: 'done', attempts: 3 });
    expect(receiver.inventory.done.get('/reserve')).toBe(1);
  });

  it('releases the stock when the card is declined', async () => {
    const receiver = services();
    const node = await SimulatedNode.start({ types: [orderSaga], receiver });
    await node.submit({ id: 'o-1', payload: { ...order, amount: 5000 } });
    expect(node.get('o-1')?.error?.code).toBe('STEP_FAILED');
    expect(receiver.inventory.done.get('/release')).toBe(1);
  });

  it('releases the stock when an operator cancels an order waiting for payments', async () => {
    const receiver = services();
    const node = await SimulatedNode.start({
      types: [orderSaga],
      receiver,
      faults: ['ok', 'delayed'],
    });
    await node.submit({ id: 'o-1', payload: order });
    expect(node.get('o-1')?.state).toBe('delayed');
    // What `coordinator cancel o-1` or the inspector's Cancel button does.
    await node.cancel('o-1');
    expect(node.get('o-1')).toMatchObject({ state: 'done', error: { code: 'CANCELLED' } });
    expect(receiver.inventory.done.get('/release')).toBe(1);
    expect(receiver.payments.done.get('/charge')).toBeUndefined();
  });

  // The testing kit (@coordinator/testing): every path of the saga's machine, each step
  // succeeding, delayed, blocked and failing for good, cancelled by an operator or retried now,
  // and each run checked for what must hold.
  it('survives every path of its machine', async () => {
    const report = await checkEveryPath(orderSaga, {
      receiver: services,
      payload: order,
      invariant: stockHeldOnlyForPaidOrders,
    });
    expect(report.transitions.missed).toEqual([]);
  });

  // Fault schedules (fast-check): faults at any service call, lost answers, crashes of the node
  // at any record, an operator's cancels and retries now, several orders at once. A failure
  // prints the seed and the shrunk schedule.
  it('survives fault schedules', async () => {
    await checkRetrySemantics(orderSaga, {
      receiver: services,
      payload: fc.record({
        sku: fc.constant('A-1'),
        qty: fc.integer({ min: 1, max: 9 }),
        amount: fc.constantFrom(40, 5000),
      }),
      invariant: stockHeldOnlyForPaidOrders,
      numRuns: 200,
    });
  });
});
