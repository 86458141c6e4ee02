import { defineSaga } from '@coordinator/core';

/** What the saga's steps call: anything with `post`, such as an `httpService` gateway. */
export interface Gateway {
  post<T = unknown>(step: { idempotencyKey: string }, path: string, body: unknown): Promise<T>;
}

/** The Receiver: one gateway per service the saga calls. */
export interface Services {
  readonly inventory: Gateway;
  readonly payments: Gateway;
}

export interface Order {
  readonly sku: string;
  readonly qty: number;
  readonly amount: number;
}

function parseOrder(payload: unknown): Order {
  const order = payload as Partial<Order> | null;
  if (typeof order?.sku !== 'string' || order.sku === '') throw new Error('`sku` must be a string');
  if (!Number.isInteger(order.qty) || (order.qty as number) < 1) {
    throw new Error('`qty` must be an integer from 1 up');
  }
  if (typeof order.amount !== 'number' || order.amount <= 0) {
    throw new Error('`amount` must be a positive number');
  }
  return { sku: order.sku, qty: order.qty as number, amount: order.amount };
}

/**
 * Reserve stock, then charge the card. If the charge fails for good, the reservation is released:
 * each step and compensation is durable, and each call carries its idempotency key.
 */
export const orderSaga = defineSaga<Order, Services>({
  type: 'order',
  validate: parseOrder,
  steps: [
    {
      name: 'reserve',
      service: 'inventory',
      run: (s, order, step) =>
        s.inventory.post(step, '/reserve', { sku: order.sku, qty: order.qty }),
      compensate: (s, order, step) =>
        s.inventory.post(step, '/release', { sku: order.sku, qty: order.qty }),
    },
    {
      name: 'charge',
      service: 'payments',
      run: (s, order, step) => s.payments.post(step, '/charge', { amount: order.amount }),
    },
  ],
});
