/**
 * The order saga under the testing kit, as a user would test their own: in-memory fakes of the
 * three services (idempotent, as the real ones must be), every path of the saga's machine, and
 * fault schedules with crashes. The fakes keep the books, so the test can say what must hold of
 * them after any run: stock reserved is released or shipped, money charged is refunded or paid
 * for a shipped order.
 */
import { CoordinatorError } from '@coordinator/core';
import {
  checkEveryPath,
  checkRetrySemantics,
  checkRun,
  faultSchedule,
  type Run,
  runSchedule,
} from '@coordinator/testing';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { type Order, type OrderServices, orderSaga } from './order-saga.js';

type Body = Partial<Order>;

/** One service: answers a repeated idempotency key with its first answer, as the real ones do. */
function fakeService(routes: Record<string, (body: Body, key: string) => unknown>) {
  const answers = new Map<string, unknown>();
  return {
    async post(step: { idempotencyKey: string }, path: string, body: Body): Promise<unknown> {
      const key = step.idempotencyKey;
      if (!answers.has(key)) answers.set(key, (routes[path] ?? notFound(path))(body, key));
      return answers.get(key);
    },
  };
}

function notFound(path: string): never {
  throw new CoordinatorError('STEP_FAILED', `no route ${path}`);
}

/** The three services, and the books they keep. */
function fakes() {
  const books = { reserved: 0, released: 0, shipped: 0, charged: 0, refunded: 0 };
  const services = {
    inventory: fakeService({
      '/reserve': (b, key) => {
        books.reserved += b.qty ?? 0;
        return { reservation: `R-${key}` };
      },
      '/release': (b) => {
        books.released += b.qty ?? 0;
        return { released: true };
      },
    }),
    payments: fakeService({
      '/charge': (b, key) => {
        books.charged += b.amount ?? 0;
        return { payment: `P-${key}` };
      },
      '/refund': (b) => {
        books.refunded += b.amount ?? 0;
        return { refunded: true };
      },
    }),
    shipping: fakeService({
      '/ship': (b, key) => {
        // The example's business rule: these SKUs cannot be shipped (the saga compensates).
        if (String(b.sku).startsWith('NOSHIP'))
          throw new CoordinatorError('STEP_FAILED', 'cannot ship');
        books.shipped += b.qty ?? 0;
        return { tracking: `T-${key}` };
      },
    }),
  };
  return { books, services };
}

type Fakes = ReturnType<typeof fakes>;
const receivers = new WeakMap<object, Fakes['books']>();

/** A fresh receiver for each run; the saga sees the fakes as its gateways. */
function receiver(): OrderServices {
  const { books, services } = fakes();
  receivers.set(services, books);
  return services as unknown as OrderServices;
}

/** What must hold after any run, whatever failed. */
function booksBalance({ receiver, submitted, commands }: Run<OrderServices>): void {
  // A compensation that fails for good leaves its step undone: that is for an operator to see.
  if (commands.some((c) => c.error?.code === 'COMPENSATION_FAILED')) return;
  const books = receivers.get(receiver) as Fakes['books'];
  const orders = new Map(submitted.map((s) => [s.id, s.payload as Order]));
  const shipped = commands.filter((c) => c.state === 'done' && c.error === undefined);
  const paid = shipped.reduce((sum, c) => sum + (orders.get(c.id)?.amount ?? 0), 0);
  expect(books.reserved).toBe(books.released + books.shipped);
  expect(books.charged).toBe(books.refunded + paid);
}

const order: Order = { sku: 'A-1', qty: 2, amount: 40 };

const orders = fc.record({
  sku: fc.constantFrom('A-1', 'B-2', 'NOSHIP-3'),
  qty: fc.integer({ min: 1, max: 5 }),
  amount: fc.integer({ min: 1, max: 500 }),
});

describe('the order saga', () => {
  it('survives every path of its machine', async () => {
    const report = await checkEveryPath(orderSaga, {
      receiver,
      payload: order,
      invariant: booksBalance,
    });
    expect(report.states.missed).toEqual([]);
    expect(report.transitions.missed).toEqual([]);
  });

  it('survives every path when the order cannot be shipped', async () => {
    await checkEveryPath(orderSaga, {
      receiver,
      payload: { ...order, sku: 'NOSHIP-1' },
      invariant: booksBalance,
    });
  });

  it('survives delays, blocks, failures, lost answers and crashes, several orders at once', async () => {
    await checkRetrySemantics(orderSaga, {
      receiver,
      payload: orders,
      invariant: booksBalance,
      numRuns: 200,
    });
  });
});

// The kit's parts compose into properties of your own.
test.prop([
  faultSchedule({ payload: orders, kinds: ['delayed', 'blocked', 'timeout-after-effect'] }),
])('with only transient faults, every order that can be shipped is', async (schedule) => {
  const run = await runSchedule(orderSaga, schedule, { receiver });
  await checkRun(run, { invariant: booksBalance });
  for (const { id, payload } of run.submitted) {
    const shippable = !(payload as Order).sku.startsWith('NOSHIP');
    expect(run.commands.find((c) => c.id === id)?.error === undefined).toBe(shippable);
  }
});
