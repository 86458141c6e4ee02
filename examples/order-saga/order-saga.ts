import { defineSaga } from '@coordinator/core';
import type { HttpService } from '@coordinator/transport';

/** The Receiver of the order saga: one gateway per service. */
export interface OrderServices {
  readonly inventory: HttpService;
  readonly payments: HttpService;
  readonly shipping: HttpService;
}

export interface Order {
  readonly sku: string;
  readonly qty: number;
  readonly amount: number;
}

function parseOrder(payload: unknown): Order {
  const p = payload as Partial<Order> | null;
  if (typeof p !== 'object' || p === null) throw new Error('expected an object {sku, qty, amount}');
  if (typeof p.sku !== 'string' || p.sku.length === 0)
    throw new Error('`sku` must be a non-empty string');
  if (!Number.isInteger(p.qty) || (p.qty as number) < 1)
    throw new Error('`qty` must be an integer from 1 and up');
  if (typeof p.amount !== 'number' || p.amount <= 0)
    throw new Error('`amount` must be a positive number');
  return { sku: p.sku, qty: p.qty as number, amount: p.amount };
}

/**
 * Reserve stock → charge the card → ship; a failure releases the stock and refunds the card.
 * `routingKey` spreads orders over partitions (a cluster uses it; one node needs none).
 */
export function defineOrderSaga(routingKey?: (order: Order) => string) {
  return defineSaga<Order, OrderServices>({
    type: 'order',
    validate: parseOrder,
    ...(routingKey ? { routingKey } : {}),
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
        compensate: (s, order, step) => s.payments.post(step, '/refund', { amount: order.amount }),
      },
      {
        name: 'ship',
        service: 'shipping',
        run: (s, order, step) => s.shipping.post(step, '/ship', { sku: order.sku, qty: order.qty }),
      },
    ],
    result: (outcomes) => ({
      reservation: (outcomes.reserve as { reservation?: string }).reservation,
      payment: (outcomes.charge as { payment?: string }).payment,
      tracking: (outcomes.ship as { tracking?: string }).tracking,
    }),
  });
}

/** The example's saga: one node, so every order goes to one partition. */
export const orderSaga = defineOrderSaga();
