import { defineSaga, type SagaCommandType } from '@coordinator/core';

const noOp = async () => ({ ok: true });

/**
 * The example's order saga in shape (type `order`: reserve → charge → ship; reserve and charge
 * compensate) with steps that call no service and do nothing: what tests and benches run when the
 * coordinator itself is under test, not the services. `routingKey` spreads Commands over
 * partitions; without it every Command of the type goes to one.
 */
export function defineNoOpOrderSaga<P = unknown, Rcv = unknown>(
  routingKey?: (payload: P) => string,
): SagaCommandType<Rcv> {
  return defineSaga<P, Rcv>({
    type: 'order',
    ...(routingKey ? { routingKey } : {}),
    steps: [
      { name: 'reserve', service: 'inventory', run: noOp, compensate: noOp },
      { name: 'charge', service: 'payments', run: noOp, compensate: noOp },
      { name: 'ship', service: 'shipping', run: noOp },
    ],
  });
}
