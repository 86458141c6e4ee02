import type { LogRecord } from '@coordinator/core';
import { Kafka, logLevel } from 'kafkajs';
import {
  contentType,
  encodeRecordEnvelope,
} from '../../packages/node/src/kafka-log/log-envelope.js';

/**
 * Writes `records` to a partition stamped with `epoch`, the way a fenced node's late append
 * lands: a plain producer, no CLAIM, no contiguity check. Resolves with their offsets.
 */
export async function writeAsZombie(
  brokers: string,
  topic: string,
  partition: number,
  epoch: number,
  records: readonly LogRecord[],
): Promise<number[]> {
  const producer = new Kafka({
    clientId: 'kafka-log-zombie',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
  }).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const [result] = await producer.send({
      topic,
      acks: -1,
      messages: records.map((record) => ({
        partition,
        key: record.id,
        value: encodeRecordEnvelope(record, epoch),
        headers: { 'content-type': contentType },
      })),
    });
    const base = Number(result?.baseOffset);
    return records.map((_, i) => base + i);
  } finally {
    await producer.disconnect();
  }
}
