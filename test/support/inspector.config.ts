/**
 * The inspector's browser tests run the example's order saga beside a code body (`restock`, one
 * step on inventory), so the page shows both kinds of chart and the list has a type that does not
 * call every service. Retries wait a minute: in a test only an operator's retry now comes sooner.
 */
import { defineCommand } from '@coordinator/core';
import { defineConfig } from '@coordinator/node';
import { httpService } from '@coordinator/transport';
import { type OrderServices, orderSaga } from '../../examples/order-saga/order-saga.js';

const gateway = (name: keyof OrderServices) =>
  httpService(process.env[`${name.toUpperCase()}_URL`] ?? '', {
    service: name,
    timeoutMs: 2000,
    breaker: { failureThreshold: Number(process.env.BREAKER_FAILURES ?? 5), openMs: 60_000 },
  });

const restock = defineCommand<{ sku: string; qty: number }, unknown, OrderServices>({
  type: 'restock',
  services: ['inventory'],
  exec: (ctx, stock, s) =>
    ctx.step('inventory', 'release', (step) =>
      s.inventory.post(step, '/release', { sku: stock.sku, qty: stock.qty }),
    ),
});

export default defineConfig<OrderServices>({
  commands: [orderSaga, restock],
  receiver: () => ({
    inventory: gateway('inventory'),
    payments: gateway('payments'),
    shipping: gateway('shipping'),
  }),
  options: { slowRetryIntervalMs: 60_000, jitterMs: 0 },
});
