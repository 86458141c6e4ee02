import { afterAll, afterEach, beforeAll } from 'vitest';
import { type OrderServiceSet, startServices } from '../../examples/order-saga/services.js';
import { Cluster, type ClusterOptions } from './cluster-nodes.js';
import { type KafkaUnderTest, useKafka } from './kafka-brokers.js';

/**
 * A test file's broker, the example's services and the clusters its tests start: registers the
 * hooks that get the broker and start the services before the file, close each test's cluster
 * after it, and the services and the broker after the file.
 */
export function clusterFixture(): {
  readonly kafka: KafkaUnderTest;
  readonly services: OrderServiceSet;
  start(options: Omit<ClusterOptions, 'brokers' | 'services'>): Promise<Cluster>;
} {
  let kafka: KafkaUnderTest | undefined;
  let services: OrderServiceSet | undefined;
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    kafka = await useKafka();
    services = await startServices({ anyPort: true });
  });
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });
  afterAll(async () => {
    await Promise.all(Object.values(services ?? {}).map((s) => s.close()));
    await kafka?.release();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('The cluster fixture is not ready (use it in a test)');
    return value;
  };
  return {
    get kafka() {
      return ready(kafka);
    },
    get services() {
      return ready(services);
    },
    async start(options) {
      cluster = await Cluster.start({
        brokers: ready(kafka).brokers,
        services: ready(services),
        ...options,
      });
      return cluster;
    },
  };
}
