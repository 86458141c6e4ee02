import { afterAll, beforeAll } from 'vitest';
import { type OrderServiceSet, startServices } from '../../examples/order-saga/services.js';
import { Cluster, type ClusterOptions } from './cluster-nodes.js';
import { type KafkaUnderTest, useKafka } from './kafka-brokers.js';

/** What a cluster test file's hooks made: the broker, the example's services, and clusters. */
export interface ClusterFixture {
  readonly brokers: string;
  readonly services: OrderServiceSet;
  /** Starts a cluster on the broker and the services; every one is killed after the file. */
  start(options?: Omit<ClusterOptions, 'brokers' | 'services'>): Promise<Cluster>;
}

/**
 * The run's Kafka broker and the example's three services on free ports for the whole file, and
 * clusters of node processes on them, all stopped after the file. Call at a file's top level.
 */
export function clusterFixture(): ClusterFixture {
  let kafka: KafkaUnderTest | undefined;
  let services: OrderServiceSet | undefined;
  const clusters: Cluster[] = [];
  beforeAll(async () => {
    kafka = await useKafka();
    services = await startServices({ anyPort: true });
  });
  afterAll(async () => {
    await Promise.all(clusters.splice(0).map((c) => c.close()));
    await Promise.all(Object.values(services ?? {}).map((s) => s.close()));
    await kafka?.release();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('The broker and services start in beforeAll');
    return value;
  };
  return {
    get brokers() {
      return started(kafka).brokers;
    },
    get services() {
      return started(services);
    },
    async start(options = {}) {
      const cluster = await Cluster.start({
        ...options,
        brokers: started(kafka).brokers,
        services: started(services),
      });
      clusters.push(cluster);
      return cluster;
    },
  };
}
