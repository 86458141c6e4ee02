import { CoordinatorError, defineCommand, defineSaga, type SagaStep } from '@coordinator/core';
import { abandonedByCancel, type Run } from '../src/index.js';

/** A step's key, as gateways take it. */
type Step = { readonly idempotencyKey: string };

/**
 * An in-memory service: per path, what it does; it answers a repeated idempotency key with its
 * first answer (unless `idempotent: false`), and counts what it did per path.
 */
class FakeService {
  readonly done = new Map<string, number>();
  readonly #routes: Record<
    string,
    (body: { qty?: number; amount?: number }, key: string) => unknown
  >;
  readonly #answers = new Map<string, unknown>();
  readonly #idempotent: boolean;

  constructor(
    routes: Record<string, (body: { qty?: number; amount?: number }, key: string) => unknown>,
    { idempotent = true } = {},
  ) {
    this.#routes = routes;
    this.#idempotent = idempotent;
  }

  async post(step: Step, path: string, body: { qty?: number; amount?: number }): Promise<unknown> {
    if (this.#idempotent && this.#answers.has(step.idempotencyKey)) {
      return this.#answers.get(step.idempotencyKey);
    }
    const route = this.#routes[path];
    if (!route) throw new CoordinatorError('STEP_FAILED', `no route ${path}`);
    const answer = route(body, step.idempotencyKey);
    this.done.set(path, (this.done.get(path) ?? 0) + (body.qty ?? body.amount ?? 1));
    this.#answers.set(step.idempotencyKey, answer);
    return answer;
  }

  /** How much of `path` it did (quantities or amounts). */
  total(path: string): number {
    return this.done.get(path) ?? 0;
  }
}

export interface Shop {
  readonly inventory: FakeService;
  readonly payments: FakeService;
  readonly shipping: FakeService;
}

export interface Order {
  readonly sku: string;
  readonly qty: number;
  readonly amount: number;
}

/**
 * Fresh fakes, answering from the request as idempotent services do; `payments` may be made
 * non-idempotent: it then charges again on a repeated key, with a new payment id.
 */
export function shop({ idempotentPayments = true } = {}): Shop {
  const charges = new Map<string, number>();
  const payment = (key: string) => {
    const n = (charges.get(key) ?? 0) + 1;
    charges.set(key, n);
    return n === 1 ? `P-${key}` : `P-${key}/${n}`;
  };
  return {
    inventory: new FakeService({
      '/reserve': (_b, key) => ({ reservation: `R-${key}` }),
      '/release': () => ({ released: true }),
    }),
    payments: new FakeService(
      {
        '/charge': (_b, key) => ({ payment: payment(key) }),
        '/refund': () => ({ refunded: true }),
      },
      { idempotent: idempotentPayments },
    ),
    shipping: new FakeService({
      '/ship': (_b, key) => ({ tracking: `T-${key}` }),
    }),
  };
}

type OrderStep = SagaStep<Order, Shop>;

export const reserve: OrderStep = {
  name: 'reserve',
  service: 'inventory',
  run: (s, o, step) => s.inventory.post(step, '/reserve', { qty: o.qty }),
  compensate: (s, o, step) => s.inventory.post(step, '/release', { qty: o.qty }),
};
export const charge: OrderStep = {
  name: 'charge',
  service: 'payments',
  run: (s, o, step) => s.payments.post(step, '/charge', { amount: o.amount }),
  compensate: (s, o, step) => s.payments.post(step, '/refund', { amount: o.amount }),
};
export const ship: OrderStep = {
  name: 'ship',
  service: 'shipping',
  run: (s, o, step) => s.shipping.post(step, '/ship', { qty: o.qty }),
};

/** reserve → charge → ship; reserve and charge compensate. */
export const orderSaga = defineSaga<Order, Shop>({ type: 'order', steps: [reserve, charge, ship] });

export const order: Order = { sku: 'A-1', qty: 2, amount: 40 };

/** What must hold of the shop after any run: nothing charged or reserved is left dangling. */
export function shopBalances(run: Run<Shop>): void {
  const { receiver: s, commands } = run;
  // A compensation that failed for good, or a step a cancel abandoned after its service acted,
  // leaves its effect: that is for an operator to see.
  if (commands.some((c) => c.error?.code === 'COMPENSATION_FAILED')) return;
  if (abandonedByCancel(run).length > 0) return;
  const charged = s.payments.total('/charge') - s.payments.total('/refund');
  const shipped = s.shipping.total('/ship');
  const held = s.inventory.total('/reserve') - s.inventory.total('/release');
  if (held !== shipped) throw new Error(`inventory holds ${held} reserved but ${shipped} shipped`);
  const paid = commands.filter((c) => !c.error).length * order.amount;
  if (charged !== paid) {
    throw new Error(`payments kept ${charged} charged but ${paid} is owed for the shipped orders`);
  }
}

/** A code body over the same services: reserve, then charge. */
export const checkout = defineCommand<Order, unknown, Shop>({
  type: 'checkout',
  services: ['inventory', 'payments'],
  async exec(ctx, o, s) {
    const reservation = await ctx.step('inventory', 'reserve', (step) =>
      s.inventory.post(step, '/reserve', { qty: o.qty }),
    );
    const payment = await ctx.step('payments', 'charge', (step) =>
      s.payments.post(step, '/charge', { amount: o.amount }),
    );
    return { reservation, payment };
  },
});
