/**
 * The example services' data-loss drill: whatever orders they served, wiping one and handing it
 * back every answer it gave (as `coordinator replay` sends the Outcomes, in any order) rebuilds
 * exactly the state it had, and handing them back again changes nothing.
 */
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, expect } from 'vitest';
import { cardLimit, type OrderServiceSet, startServices } from './services.js';
import type { ToyService } from './toy-service.js';

let services: OrderServiceSet;
beforeAll(async () => {
  services = await startServices({ anyPort: true });
});
afterAll(async () => {
  await Promise.all(Object.values(services).map((s) => s.close()));
});

async function post(service: ToyService, path: string, key: string, body: unknown) {
  const response = await fetch(`${service.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const state = async (service: ToyService) => (await fetch(`${service.url}/admin/state`)).text();

/** What a replay sends for one recorded Outcome. */
interface Replayed {
  readonly service: string;
  readonly idempotencyKey: string;
  readonly outcome: Record<string, unknown>;
}

const order = fc.record({
  sku: fc.constantFrom('A-1', 'B-2', 'C-3'),
  qty: fc.integer({ min: 1, max: 5 }),
  amount: fc.oneof(fc.constantFrom(5, 0.1, 0.2, 40), fc.constant(cardLimit + 1)),
});

test.prop([fc.array(order, { maxLength: 30 }), fc.integer()], { numRuns: 20 })(
  'inventory and payments rebuilt from their Outcomes in any order equal their state before the wipe',
  async (orders, seed) => {
    const { inventory, payments } = services;
    for (const s of [inventory, payments]) await post(s, '/admin/wipe', '', {});
    const recorded: Replayed[] = [];
    const step = async (s: ToyService, path: string, key: string, body: unknown) => {
      const answer = await post(s, path, key, body);
      if (answer.status === 200)
        recorded.push({ service: s.name, idempotencyKey: key, outcome: answer.body });
      return answer.status;
    };
    for (const [i, o] of orders.entries()) {
      const id = `o-${seed}-${i}`;
      await step(inventory, '/reserve', `${id}:reserve`, { sku: o.sku, qty: o.qty });
      if ((await step(payments, '/charge', `${id}:charge`, { amount: o.amount })) !== 200)
        await step(inventory, '/release', `${id}:compensate:reserve`, { sku: o.sku, qty: o.qty });
    }
    const shuffled = fc.sample(fc.shuffledSubarray(recorded, { minLength: recorded.length }), {
      numRuns: 1,
      seed,
    })[0] as Replayed[];
    for (const s of [inventory, payments]) {
      const before = await state(s);
      await post(s, '/admin/wipe', '', {});
      expect(JSON.parse(await state(s))).toMatchObject({ byKey: {} });
      const mine = shuffled.filter((r) => r.service === s.name);
      for (const r of mine)
        expect((await post(s, '/admin/rebuild', r.idempotencyKey, r)).status).toBe(200);
      expect(await state(s)).toBe(before);
      for (const r of mine)
        expect((await post(s, '/admin/rebuild', r.idempotencyKey, r)).status).toBe(208);
      expect(await state(s)).toBe(before);
    }
  },
);

test.prop([fc.constantFrom('inventory', 'shipping')])(
  'payments refuses the Outcome of another service, and one whose key is not its header',
  async (other) => {
    const { payments } = services;
    const replayed = { service: other, idempotencyKey: 'x:charge', outcome: { amount: 1 } };
    expect((await post(payments, '/admin/rebuild', 'x:charge', replayed)).status).toBe(422);
    const mine = { ...replayed, service: 'payments' };
    expect((await post(payments, '/admin/rebuild', 'y:charge', mine)).status).toBe(400);
  },
);
