import { defineConfig } from '@coordinator/node';
import { httpService } from '@coordinator/transport';
import { orderSaga, type Services } from './src/order.js';

const url = (name: string, port: number) =>
  process.env[`${name.toUpperCase()}_URL`] ?? `http://127.0.0.1:${port}`;

export default defineConfig<Services>({
  commands: [orderSaga],
  receiver: () => ({
    inventory: httpService(url('inventory', 7611), { service: 'inventory', timeoutMs: 2000 }),
    payments: httpService(url('payments', 7612), { service: 'payments', timeoutMs: 2000 }),
  }),
  options: { dataDir: './coordinator-data', slowRetryIntervalMs: 5000 },
});
