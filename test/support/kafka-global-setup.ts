/**
 * Vitest globalSetup: one Kafka broker for the whole run, handed to test files as
 * `inject('kafkaBrokers')` (read it through `useKafka()` from ./kafka-brokers.js).
 * With KAFKA_BROKERS set (e.g. a broker from `pnpm kafka:start`) that broker is used instead,
 * after checking it answers. Throws if no broker is available: Kafka tests never skip.
 */
import type { TestProject } from 'vitest/node';
import { startKafka, waitForKafka } from './kafka-broker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Bootstrap address of the broker this setup started (or found in KAFKA_BROKERS). */
    kafkaBrokers: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const external = process.env.KAFKA_BROKERS;
  if (external) {
    await waitForKafka(external, 15_000).catch((error: unknown) => {
      throw new Error(`KAFKA_BROKERS=${external} does not answer describeCluster`, {
        cause: error,
      });
    });
    project.provide('kafkaBrokers', external);
    return;
  }
  const started = Date.now();
  const broker = await startKafka();
  process.stderr.write(
    `kafka: broker ${broker.brokers} (pid ${broker.pid}) ready in ${Date.now() - started} ms for this run\n`,
  );
  project.provide('kafkaBrokers', broker.brokers);
  return () => broker.stop();
}
