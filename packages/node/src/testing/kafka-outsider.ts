import type { LogRecord } from '@coordinator/core';
import { Kafka, logLevel } from 'kafkajs';
import {
  contentType,
  encodeClaimEnvelope,
  encodeRecordEnvelope,
} from '../kafka-log/log-envelope.js';

/** What an outsider writes: a CLAIM (another node takes a partition), or records of an epoch. */
type Outgoing = { readonly key: string; readonly value: Buffer };

async function produce(
  brokers: string,
  topic: string,
  partition: number,
  messages: readonly Outgoing[],
): Promise<number[]> {
  const producer = new Kafka({
    clientId: 'kafka-outsider',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
  }).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const [result] = await producer.send({
      topic,
      acks: -1,
      messages: messages.map(({ key, value }) => ({
        partition,
        key,
        value,
        headers: { 'content-type': contentType },
      })),
    });
    const base = Number(result?.baseOffset);
    return messages.map((_, i) => base + i);
  } finally {
    await producer.disconnect();
  }
}

/**
 * Writes `records` to a partition stamped with `epoch`, the way a fenced node's late append
 * lands: a plain producer, no CLAIM, no contiguity check. Resolves with their offsets.
 */
export function writeAsZombie(
  brokers: string,
  topic: string,
  partition: number,
  epoch: number,
  records: readonly LogRecord[],
): Promise<number[]> {
  return produce(
    brokers,
    topic,
    partition,
    records.map((record) => ({ key: record.id, value: encodeRecordEnvelope(record, epoch) })),
  );
}

/** Appends another node's CLAIM to a partition: its owner is fenced. Resolves with its offset. */
export async function claimAsOutsider(
  brokers: string,
  topic: string,
  partition: number,
  node = 'outsider',
): Promise<number> {
  const [offset] = await produce(brokers, topic, partition, [
    { key: `claim:${partition}`, value: encodeClaimEnvelope(node) },
  ]);
  return offset as number;
}
