/**
 * kafkajs 2.2.4 against the real broker (Kafka 4.1.2 by default, KAFKA_VERSION=3.9.1 as the
 * fallback): every API the Kafka log adapter relies on, one behaviour per test, each on its own
 * topic and group. See docs/kafka.md and notes/kafka.md §2.6.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Admin,
  type ConsumerGroupJoinEvent,
  Kafka,
  type KafkaMessage,
  logLevel,
  type Producer,
} from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaUnderTest, useKafka } from './support/kafka-brokers.js';
import { createTopicsAndWait, errorType } from './support/kafka-topics.js';
import { waitFor } from './support/wait-for.js';

const testTimeoutMs = 30_000;
const openedProducers: Producer[] = [];
const closers: (() => Promise<void>)[] = [];
let broker: KafkaUnderTest | undefined;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  broker = await useKafka();
  kafka = new Kafka({
    clientId: 'kafka-smoke',
    brokers: [broker.brokers],
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 8 },
  });
  admin = kafka.admin();
  await admin.connect();
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(closers.map((close) => close()));
  await Promise.allSettled(openedProducers.map((producer) => producer.disconnect()));
  await admin?.disconnect();
  await broker?.release();
});

const unique = (what: string) => `coord-smoke-${what}-${randomUUID()}`;

async function createTopic(numPartitions: number): Promise<string> {
  const topic = unique('topic');
  await createTopicsAndWait(admin, [{ topic, numPartitions, replicationFactor: 1 }]);
  return topic;
}

async function connectedProducer(config: Parameters<Kafka['producer']>[0]): Promise<Producer> {
  const producer = kafka.producer({ maxInFlightRequests: 1, ...config });
  openedProducers.push(producer);
  await producer.connect();
  return producer;
}

function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    sleep(timeoutMs, undefined, { ref: false }).then(() => {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }),
  ]);
}

/** Reads the whole topic through a fresh read_committed group until `count` records arrived. */
async function consumeValues(topic: string, count: number): Promise<string[]> {
  const values: string[] = [];
  const consumer = kafka.consumer({ groupId: unique('reader'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
      },
    });
    await waitFor(`${count} records on ${topic}`, () => values.length >= count, 20_000);
    return values;
  } finally {
    await consumer.disconnect();
  }
}

describe('kafkajs 2.2.4 against the real broker', { timeout: testTimeoutMs }, () => {
  it('creates a topic and waits for its leaders', async () => {
    const topic = await createTopic(3);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = metadata.topics[0]?.partitions ?? [];
    expect(partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    expect(partitions.every((p) => p.leader === 1)).toBe(true);
  });

  it('appends with an idempotent producer and reports each baseOffset', async () => {
    const topic = await createTopic(1);
    const producer = await connectedProducer({ idempotent: true });
    const first = await producer.send({
      topic,
      acks: -1,
      messages: [
        { partition: 0, value: 'a' },
        { partition: 0, value: 'b' },
      ],
    });
    expect(first).toEqual([
      expect.objectContaining({ topicName: topic, partition: 0, errorCode: 0, baseOffset: '0' }),
    ]);
    const next = await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: 'c' }] });
    expect(next[0]?.baseOffset).toBe('2');
    expect(await consumeValues(topic, 3)).toEqual(['a', 'b', 'c']);
  });

  it('joins a group, reports the assignment, and keeps commit metadata', async () => {
    const topic = await createTopic(2);
    const groupId = unique('group');
    const producer = await connectedProducer({ idempotent: true });
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { partition: 0, value: 'p0-0' },
        { partition: 0, value: 'p0-1' },
        { partition: 1, value: 'p1-0' },
      ],
    });

    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 6_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 100,
    });
    closers.push(() => consumer.disconnect());
    const joined = new Promise<ConsumerGroupJoinEvent>((resolve) => {
      consumer.on(consumer.events.GROUP_JOIN, resolve);
    });
    const received: { partition: number; message: KafkaMessage }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        received.push({ partition, message });
      },
    });

    const join = await within(joined, 20_000, 'GROUP_JOIN');
    expect(join.payload.groupId).toBe(groupId);
    expect(join.payload.isLeader).toBe(true);
    expect([...(join.payload.memberAssignment[topic] ?? [])].sort()).toEqual([0, 1]);
    await waitFor('3 consumed records', () => received.length >= 3, 20_000);

    const metadata = JSON.stringify({ epoch: 7, node: 'smoke' });
    await consumer.commitOffsets([{ topic, partition: 0, offset: '2', metadata }]);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed?.topic).toBe(topic);
    expect(committed?.partitions.find((p) => p.partition === 0)).toEqual({
      partition: 0,
      offset: '2',
      metadata,
    });
    expect(committed?.partitions.find((p) => p.partition === 1)?.offset).toBe('-1');
    await consumer.disconnect();
  });

  it('reports topic offsets and trims records below an offset', async () => {
    const topic = await createTopic(1);
    const producer = await connectedProducer({ idempotent: true });
    await producer.send({
      topic,
      acks: -1,
      messages: ['r0', 'r1', 'r2', 'r3', 'r4'].map((value) => ({ partition: 0, value })),
    });
    expect(await admin.fetchTopicOffsets(topic)).toEqual([
      { partition: 0, offset: '5', high: '5', low: '0' },
    ]);

    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '3' }] });
    expect(await admin.fetchTopicOffsets(topic)).toEqual([
      { partition: 0, offset: '5', high: '5', low: '3' },
    ]);
    expect(await consumeValues(topic, 2)).toEqual(['r3', 'r4']);
  });

  it('fences a transactional producer once another claims its transactionalId', async () => {
    const topic = await createTopic(1);
    const transactionalId = unique('tx');
    const first = await connectedProducer({ transactionalId, idempotent: true });
    const firstTx = await first.transaction();
    await firstTx.send({ topic, messages: [{ partition: 0, value: 'by-first' }] });
    await firstTx.commit();

    // InitProducerId for the same transactionalId bumps the epoch; kafkajs runs it lazily here.
    const second = await connectedProducer({ transactionalId, idempotent: true });
    const secondTx = await second.transaction();
    await secondTx.send({ topic, messages: [{ partition: 0, value: 'by-second' }] });
    await secondTx.commit();

    const zombieTx = await first.transaction();
    const fenced = await zombieTx
      .send({ topic, messages: [{ partition: 0, value: 'by-zombie' }] })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(fenced, 'the fenced producer must fail to send').toBeInstanceOf(Error);
    expect(errorType(fenced)).toBe('INVALID_PRODUCER_EPOCH');

    expect(await consumeValues(topic, 2)).toEqual(['by-first', 'by-second']);
    // Two records and two commit markers: nothing of the zombie's reached the log.
    const [offsets] = await admin.fetchTopicOffsets(topic);
    expect(offsets?.high).toBe('4');
  });
});
