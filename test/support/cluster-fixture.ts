import { afterAll, beforeAll } from 'vitest';
import { type OrderServiceSet, startServices } from '../../examples/order-saga/services.js';
import { Cluster, type ClusterOptions } from './cluster-nodes.js';
import { type KafkaUnderTest, useKafka } from './kafka-brokers.js';

/** What a cluster test file's hooks made: a broker, the example's services, the cluster. */
export interface ClusterFixture {
  readonly brokers: string;
  readonly services: OrderServiceSet;
  readonly cluster: Cluster;
  /** Starts the file's cluster on the broker and the services; closed after the file. */
  start(options: Omit<ClusterOptions, 'brokers' | 'services'>): Promise<Cluster>;
}

/** A Kafka broker and the example's services for the whole file. Call at a file's top level. */
export function clusterFixture(): ClusterFixture {
  let kafka: KafkaUnderTest | undefined;
  let services: OrderServiceSet | undefined;
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    kafka = await useKafka();
    services = await startServices({ anyPort: true });
  });
  afterAll(async () => {
    await cluster?.close();
    await Promise.all(Object.values(services ?? {}).map((s) => s.close()));
    await kafka?.release();
  });
  return {
    get brokers() {
      if (!kafka) throw new Error('The broker starts in beforeAll: use it inside a test');
      return kafka.brokers;
    },
    get services() {
      if (!services) throw new Error('The services start in beforeAll: use them inside a test');
      return services;
    },
    get cluster() {
      if (!cluster) throw new Error('Start the cluster first');
      return cluster;
    },
    async start(options) {
      if (!kafka || !services) throw new Error('The broker starts in beforeAll');
      cluster = await Cluster.start({ ...options, brokers: kafka.brokers, services });
      return cluster;
    },
  };
}
