/**
 * A node config whose steps have a bug on our side of the wire: they ask the gateway for a header
 * HTTP cannot carry, so the request cannot even be built. Used to prove that such a fault fails
 * the step terminally instead of passing for a service outage.
 */
import { defineCommand, defineSaga } from '@coordinator/core';
import { defineConfig } from '@coordinator/node';
import { type HttpService, httpService } from '@coordinator/transport';

interface Services {
  readonly inventory: HttpService;
  readonly payments: HttpService;
}

const broken = { 'x-note': 'line one\nline two' };

const faultySaga = defineSaga<{ sku: string }, Services>({
  type: 'faulty-saga',
  steps: [
    {
      name: 'reserve',
      service: 'inventory',
      run: (s, p, step) => s.inventory.post(step, '/reserve', { sku: p.sku, qty: 1 }),
      compensate: (s, p, step) => s.inventory.post(step, '/release', { sku: p.sku, qty: 1 }),
    },
    {
      name: 'charge',
      service: 'payments',
      run: (s, _p, step) =>
        s.payments.call(step, { path: '/charge', body: { amount: 1 }, headers: broken }),
    },
  ],
});

const faultyCode = defineCommand<{ amount: number }, unknown, Services>({
  type: 'faulty-code',
  services: ['payments'],
  exec: (ctx, p, s) =>
    ctx.step('payments', 'charge', (step) =>
      s.payments.call(step, { path: '/charge', body: { amount: p.amount }, headers: broken }),
    ),
});

const url = (name: string, port: number) =>
  process.env[`${name.toUpperCase()}_URL`] ?? `http://127.0.0.1:${port}`;

export default defineConfig<Services>({
  commands: [faultySaga, faultyCode],
  receiver: () => ({
    inventory: httpService(url('inventory', 7501), { service: 'inventory', timeoutMs: 1000 }),
    // One failure would open this breaker: a fault counted as an outage would block the node.
    payments: httpService(url('payments', 7502), {
      service: 'payments',
      timeoutMs: 1000,
      breaker: { failureThreshold: 1, openMs: 60_000 },
    }),
  }),
});
