import { defineConfig } from '@coordinator/node';
import { httpService } from '@coordinator/transport';
import { defineOrderSaga, type OrderServices, orderSaga } from './order-saga.js';
import { servicePorts } from './services.js';

const url = (name: keyof typeof servicePorts) =>
  process.env[`${name.toUpperCase()}_URL`] ?? `http://127.0.0.1:${servicePorts[name]}`;

/**
 * Calls time out after 2 s; five failures in a row open a service's breaker for 10 s (the
 * environment variables let tests shorten all three).
 */
const gateway = (name: keyof typeof servicePorts) =>
  httpService(url(name), {
    service: name,
    timeoutMs: Number(process.env.SERVICE_TIMEOUT_MS ?? 2000),
    breaker: {
      failureThreshold: Number(process.env.BREAKER_FAILURES ?? 5),
      openMs: Number(process.env.BREAKER_OPEN_MS ?? 10_000),
    },
  });

export default defineConfig<OrderServices>({
  // In a cluster (COORDINATOR_KAFKA_BROKERS), orders spread over partitions by SKU.
  commands: [
    process.env.COORDINATOR_KAFKA_BROKERS ? defineOrderSaga((order) => order.sku) : orderSaga,
  ],
  receiver: () => ({
    inventory: gateway('inventory'),
    payments: gateway('payments'),
    shipping: gateway('shipping'),
  }),
  // `coordinator replay --service payments --config coordinator.config.ts` (without --to) hands
  // each Outcome to this hook: here the service's rebuild endpoint, through its gateway (a 5xx is
  // DELAYED and retried, a 4xx stops the replay).
  outcomeReplay: async (outcome, services) => {
    const gateway = services[outcome.service as keyof OrderServices];
    if (!gateway) throw new Error(`The example has no service ${outcome.service}`);
    const answer = await gateway.post<{ already?: boolean }>(outcome, '/admin/rebuild', outcome);
    return answer.already ? 'skipped' : 'sent';
  },
  options: {
    dataDir: process.env.COORDINATOR_DATA_DIR ?? '.coordinator-data',
    slowRetryIntervalMs: 5000,
    jitterMs: 500,
  },
});
