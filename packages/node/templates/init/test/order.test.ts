import { CoordinatorError, Driver } from '@coordinator/core';
import {
  MemoryEventLog,
  SeededRandom,
  SequentialIds,
  SimulatedClock,
  settle,
} from '@coordinator/core/testing';
import { describe, expect, it } from 'vitest';
import { type Gateway, orderSaga } from '../src/order.js';

/** An in-memory service: answers per path, remembers each idempotency key's first answer. */
function service(answers: Record<string, (body: unknown) => unknown>) {
  const calls: string[] = [];
  const seen = new Map<string, unknown>();
  const gateway: Gateway = {
    async post(step, path, body) {
      calls.push(path);
      if (!seen.has(step.idempotencyKey)) {
        const answer = answers[path];
        if (!answer) throw new Error(`no ${path}`);
        seen.set(step.idempotencyKey, answer(body));
      }
      return seen.get(step.idempotencyKey) as never;
    },
  };
  return { gateway, calls };
}

async function run(payments: Gateway) {
  const inventory = service({ '/reserve': () => ({ reservation: 'R-1' }), '/release': () => ({}) });
  const clock = new SimulatedClock();
  const driver = new Driver({
    log: new MemoryEventLog(),
    clock,
    random: new SeededRandom(1),
    ids: new SequentialIds(),
    types: [orderSaga],
    receiver: { inventory: inventory.gateway, payments },
  });
  await driver.start();
  const { id } = await driver.submit({
    type: 'order',
    payload: { sku: 'A-1', qty: 2, amount: 40 },
  });
  await settle(driver, clock);
  return { view: driver.get(id), inventory };
}

describe('the order saga', () => {
  it('reserves, then charges', async () => {
    const payments = service({ '/charge': () => ({ payment: 'P-1' }) });
    const { view } = await run(payments.gateway);
    expect(view).toMatchObject({ state: 'done', result: { reserve: { reservation: 'R-1' } } });
  });

  it('retries a charge while payments is unavailable, without reserving twice', async () => {
    let down = 2;
    const payments: Gateway = {
      async post() {
        if (down-- > 0) throw CoordinatorError.delayed('payments answered 503');
        return { payment: 'P-2' } as never;
      },
    };
    const { view, inventory } = await run(payments);
    expect(view).toMatchObject({ state: 'done', attempts: 3 });
    expect(inventory.calls).toEqual(['/reserve']);
  });

  it('releases the stock when the card is declined', async () => {
    const payments: Gateway = {
      async post() {
        throw new CoordinatorError('STEP_FAILED', 'card declined');
      },
    };
    const { view, inventory } = await run(payments);
    expect(view?.error?.code).toBe('STEP_FAILED');
    expect(inventory.calls).toEqual(['/reserve', '/release']);
  });
});
