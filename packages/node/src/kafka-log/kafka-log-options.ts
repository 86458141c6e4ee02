import { hostname } from 'node:os';
import { defineOptions, type OptionsInput, type OptionsOf, option } from '@coordinator/core';
import type { KafkaLogEvent } from './kafka-log-event.js';

const hour = 3_600_000;

/**
 * Options of {@link KafkaLog.open}; only `brokers` is required. A node takes `brokers`, `topic`
 * and `groupId` (as `kafkaBrokers`, `kafkaTopic`, `kafkaGroupId`).
 */
export const kafkaLogOptions = defineOptions(
  'KafkaLog',
  {
    brokers: option.addressList({
      min: 1,
      required: true,
      description: 'bootstrap brokers, host:port (prefer 127.0.0.1 to localhost for a local one)',
    }),
    topic: option.string({
      default: 'coordinator.events',
      pattern: /^[a-zA-Z0-9._-]{1,249}$/,
      expected: 'a Kafka topic name (letters, digits, `.`, `_`, `-`)',
      description: 'the events topic; created when missing',
    }),
    partitions: option.integer({
      min: 1,
      max: 10_000,
      default: 16,
      description:
        "the topic's partition count, set when it is created and fixed for good; opening a topic with another count fails",
    }),
    replicationFactor: option.integer({
      min: 1,
      max: 32,
      default: 1,
      description:
        'used when this log creates the topic: 3 (with min.insync.replicas=2) in production, 1 for a development broker',
    }),
    groupId: option.string({
      default: 'coordinator',
      description:
        'the consumer group whose members share the partitions; its committed offsets are the checkpoints',
    }),
    nodeId: option.string({
      default: `${hostname()}-${process.pid}`,
      description:
        "this node's name: the Kafka client id, written into each CLAIM (default: <hostname>-<pid>)",
    }),
    sessionTimeoutMs: option.integer({
      min: 1,
      max: hour,
      default: 6000,
      description:
        "how long the group waits for a silent member before giving its partitions to others: the failover time after a crash (bounded by the broker's group.min.session.timeout.ms)",
    }),
    heartbeatIntervalMs: option.integer({
      min: 1,
      max: hour,
      default: 500,
      description: 'how often the member heartbeats; well below sessionTimeoutMs',
    }),
    rebalanceTimeoutMs: option.integer({
      min: 1,
      max: hour,
      default: 10_000,
      description: 'how long a rebalance waits for every member to rejoin',
    }),
    fetchMaxWaitMs: option.integer({
      min: 10,
      max: 60_000,
      default: 100,
      description:
        "longest wait of one fetch with no new records: bounds how soon another node's CLAIM is noticed",
    }),
    trimBelowCheckpoint: option.boolean({
      default: false,
      description:
        "after a checkpoint is committed, delete the partition's records below it (Outcomes before it are then no longer replayable from Kafka)",
    }),
    onEvent: option.fn<(event: KafkaLogEvent) => void>({
      default: () => {},
      description: "receives the log's events; must not throw",
    }),
  },
  (o) =>
    o.heartbeatIntervalMs < o.sessionTimeoutMs
      ? undefined
      : {
          option: 'heartbeatIntervalMs',
          expected: `below \`sessionTimeoutMs\` (${o.sessionTimeoutMs})`,
        },
);

export type KafkaLogOptions = OptionsOf<typeof kafkaLogOptions>;
export type KafkaLogInput = OptionsInput<typeof kafkaLogOptions>;
