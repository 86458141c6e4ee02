/**
 * The order saga under the testing kit, as a user would test their own: in-memory fakes of the
 * three services (idempotent, as the real ones must be), every path of the saga's machine, and
 * fault schedules with crashes. The fakes keep the books, so the test can say what must hold of
 * them after any run: stock reserved is released or shipped, money charged is refunded or paid
 * for a shipped order.
 */
import { CoordinatorError } from '@coordinator/core';
import {
  abandonedByCancel,
  checkEveryPath,
  checkRetrySemantics,
  checkRun,
  faultSchedule,
  type Run,
  runSchedule,
  SimulatedNode,
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
function booksBalance(run: Run<OrderServices>): void {
  const { receiver, submitted, commands } = run;
  // A compensation that fails for good leaves its step undone, and so does a cancel that ends a
  // step whose service acted but whose answer was lost: that is for an operator to see.
  if (commands.some((c) => c.error?.code === 'COMPENSATION_FAILED')) return;
  if (abandonedByCancel(run).length > 0) return;
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

  it('releases and refunds an order cancelled while shipping waits', async () => {
    // reserve and charge go through; shipping is unavailable, so the order waits for a retry.
    const node = await SimulatedNode.start({
      types: [orderSaga],
      receiver: receiver(),
      faults: ['ok', 'ok', 'delayed'],
    });
    await node.submit({ id: 'o-1', payload: order });
    expect(node.get('o-1')).toMatchObject({ state: 'delayed', step: 'ship' });
    await node.cancel('o-1');
    await node.cancel('o-1'); // a client repeating it changes nothing
    expect(node.get('o-1')).toMatchObject({ state: 'done', error: { code: 'CANCELLED' } });
    const books = receivers.get(node.receiver) as Fakes['books'];
    expect(books).toMatchObject({ reserved: 2, released: 2, charged: 40, refunded: 40 });
    await checkRun(node.run(), { invariant: booksBalance });
  });

  it('survives delays, blocks, failures, lost answers, crashes, cancels and retries now, several orders at once', async () => {
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
  faultSchedule({
    payload: orders,
    kinds: ['delayed', 'blocked', 'timeout-after-effect'],
    operator: { kinds: ['retry-now'] },
  }),
])(
  'with only transient faults and retries now, every order that can be shipped is',
  async (schedule) => {
    const run = await runSchedule(orderSaga, schedule, { receiver });
    await checkRun(run, { invariant: booksBalance });
    for (const { id, payload } of run.submitted) {
      const shippable = !(payload as Order).sku.startsWith('NOSHIP');
      expect(run.commands.find((c) => c.id === id)?.error === undefined).toBe(shippable);
    }
  },
);

test.prop([faultSchedule({ payload: orders, operator: { kinds: ['cancel'], max: 3 } })])(
  'a cancelled order still ships only when its shipment was on its way before the cancel',
  async (schedule) => {
    const run = await runSchedule(orderSaga, schedule, { receiver });
    await checkRun(run, { invariant: booksBalance });
    const first = (match: (e: Run<OrderServices>['entries'][number]) => boolean) =>
      run.entries.findIndex(match);
    for (const command of run.commands.filter((c) => c.cancelled && !c.error)) {
      const cancelled = first(
        (e) => e.kind === 'record' && e.record.id === command.id && e.record.kind === 'cancelled',
      );
      const shipping = first(
        (e) => e.kind === 'step' && e.attempt.commandId === command.id && e.attempt.step === 'ship',
      );
      expect(shipping).toBeGreaterThanOrEqual(0);
      expect(shipping).toBeLessThan(cancelled);
    }
  },
);
