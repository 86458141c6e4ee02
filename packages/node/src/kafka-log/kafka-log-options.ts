import { hostname } from 'node:os';
import { CoordinatorError } from '@coordinator/core';
import { invalidOption } from '../file-log/file-log-options.js';
import type { KafkaLogEvent } from './kafka-log-event.js';

/** Options of {@link KafkaLog.open}; only `brokers` is required. */
export interface KafkaLogOptions {
  /** Bootstrap addresses, `host:port`. Prefer `127.0.0.1` to `localhost` for a local broker. */
  readonly brokers: readonly string[];
  /** The events topic; created when missing. @default 'coordinator.events' */
  readonly topic: string;
  /**
   * The topic's partition count P, set when the topic is created and fixed for good: Commands map
   * to partitions by it. Opening an existing topic with another count fails with `INVALID_OPTION`.
   * @default 16
   */
  readonly partitions: number;
  /**
   * Replication factor used when this log creates the topic. Use 3 (with `min.insync.replicas=2`)
   * in production; 1 suits a single development broker.
   * @default 1
   */
  readonly replicationFactor: number;
  /** The consumer group whose members share the partitions; its committed offsets are the checkpoints. @default 'coordinator' */
  readonly groupId: string;
  /** This node's name: the Kafka client id, and written into each CLAIM. @default `<hostname>-<pid>` */
  readonly nodeId: string;
  /**
   * How long the group waits for a silent member before giving its partitions to others: the
   * failover time after a crash. The broker bounds it by `group.min.session.timeout.ms`.
   * @default 6000
   */
  readonly sessionTimeoutMs: number;
  /** How often the member heartbeats; well below `sessionTimeoutMs`. @default 500 */
  readonly heartbeatIntervalMs: number;
  /** How long a rebalance waits for every member to rejoin. @default 10000 */
  readonly rebalanceTimeoutMs: number;
  /**
   * Longest wait of one fetch with no new records. It bounds how soon a CLAIM by another node is
   * noticed and how long replay waits to reach its own CLAIM.
   * @default 100
   */
  readonly fetchMaxWaitMs: number;
  /**
   * How long an idle partition writer waits before sending, so that appends made meanwhile share
   * the send; appends made while a send is in flight always share the next one.
   * @default 2
   */
  readonly lingerMs: number;
  /**
   * After a checkpoint is committed, delete the partition's records below it
   * (`deleteTopicRecords`). Off by default: with it, Outcomes before the checkpoint are no longer
   * replayable from Kafka.
   * @default false
   */
  readonly trimBelowCheckpoint: boolean;
  /** Receives the log's events. Must not throw. @default ignores them */
  readonly onEvent: (event: KafkaLogEvent) => void;
}

export type KafkaLogInput = Pick<KafkaLogOptions, 'brokers'> &
  Partial<Omit<KafkaLogOptions, 'brokers'>>;

export const kafkaLogDefaults: Readonly<Omit<KafkaLogOptions, 'brokers' | 'nodeId'>> =
  Object.freeze({
    topic: 'coordinator.events',
    partitions: 16,
    replicationFactor: 1,
    groupId: 'coordinator',
    sessionTimeoutMs: 6000,
    heartbeatIntervalMs: 500,
    rebalanceTimeoutMs: 10_000,
    fetchMaxWaitMs: 100,
    lingerMs: 2,
    trimBelowCheckpoint: false,
    onEvent: () => {},
  });

/** Kafka's own limit on partitions per topic is far above this; more would be a typo. */
const maxPartitions = 10_000;
const topicName = /^[a-zA-Z0-9._-]{1,249}$/;

const integerRanges = {
  partitions: [1, maxPartitions],
  replicationFactor: [1, 32],
  sessionTimeoutMs: [1, 3_600_000],
  heartbeatIntervalMs: [1, 3_600_000],
  rebalanceTimeoutMs: [1, 3_600_000],
  fetchMaxWaitMs: [10, 60_000],
  lingerMs: [0, 1000],
} as const;

/**
 * Fills defaults and validates every option once.
 * @throws CoordinatorError `INVALID_OPTION` naming the option, the expectation and the value.
 */
export function resolveKafkaLogOptions(input: KafkaLogInput): KafkaLogOptions {
  const known = ['brokers', 'nodeId', ...Object.keys(kafkaLogDefaults)];
  for (const name of Object.keys(input)) {
    if (!known.includes(name)) {
      throw new CoordinatorError(
        'INVALID_OPTION',
        `Unknown option \`${name}\`; known: ${known.join(', ')}`,
      );
    }
  }
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const options = {
    ...kafkaLogDefaults,
    nodeId: `${hostname()}-${process.pid}`,
    ...defined,
  } as KafkaLogOptions;
  const { brokers } = options;
  if (
    !Array.isArray(brokers) ||
    brokers.length === 0 ||
    !brokers.every((b) => typeof b === 'string' && /^[^\s:]+:\d+$/.test(b))
  ) {
    throw invalidOption('brokers', 'a non-empty array of `host:port` strings', brokers);
  }
  if (typeof options.topic !== 'string' || !topicName.test(options.topic)) {
    throw invalidOption(
      'topic',
      'a Kafka topic name (letters, digits, `.`, `_`, `-`)',
      options.topic,
    );
  }
  for (const name of ['groupId', 'nodeId'] as const) {
    const value = options[name];
    if (typeof value !== 'string' || value.length === 0) {
      throw invalidOption(name, 'a non-empty string', value);
    }
  }
  for (const [name, [min, max]] of Object.entries(integerRanges)) {
    const value = options[name as keyof typeof integerRanges];
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw invalidOption(name, `an integer from ${min} to ${max}`, value);
    }
  }
  if (options.heartbeatIntervalMs >= options.sessionTimeoutMs) {
    throw invalidOption(
      'heartbeatIntervalMs',
      `below \`sessionTimeoutMs\` (${options.sessionTimeoutMs})`,
      options.heartbeatIntervalMs,
    );
  }
  if (typeof options.trimBelowCheckpoint !== 'boolean') {
    throw invalidOption('trimBelowCheckpoint', 'a boolean', options.trimBelowCheckpoint);
  }
  if (typeof options.onEvent !== 'function') {
    throw invalidOption('onEvent', 'a function', options.onEvent);
  }
  return Object.freeze({ ...options, brokers: Object.freeze([...brokers]) });
}
