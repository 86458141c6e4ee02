import { inject } from 'vitest';
import { type KafkaBroker, startKafka } from './kafka-broker.js';

/** The broker a Kafka test file talks to. */
export interface KafkaUnderTest {
  /** Bootstrap address for kafkajs `brokers`. */
  readonly brokers: string;
  /** Stops the broker if this file started its own; a shared broker is left running. */
  release(): Promise<void>;
}

/**
 * The run's shared broker (kafka-global-setup.ts), else KAFKA_BROKERS, else a broker started for
 * this file alone. Call in `beforeAll` and `release()` in `afterAll`. Rejects if no broker can be
 * started: a Kafka test fails rather than skips.
 */
export async function useKafka(): Promise<KafkaUnderTest> {
  // Undefined when the file runs without kafka-global-setup.ts, whatever ProvidedContext says.
  const shared = (inject('kafkaBrokers') as string | undefined) ?? process.env.KAFKA_BROKERS;
  if (shared) return { brokers: shared, release: async () => undefined };
  const own: KafkaBroker = await startKafka();
  return { brokers: own.brokers, release: () => own.stop() };
}
