import { type logCreator, logLevel } from 'kafkajs';
import type { KafkaLogEvent } from './kafka-log-event.js';

/** Turns the Kafka client's warnings and errors into `kafka-log.client-log` events: no console output. */
export function clientLogger(onEvent: (event: KafkaLogEvent) => void): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      if (level > logLevel.WARN) return;
      onEvent({
        type: 'kafka-log.client-log',
        level: level === logLevel.ERROR ? 'error' : 'warn',
        namespace,
        message: String(log.message),
      });
    };
}
