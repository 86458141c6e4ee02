import { CoordinatorError } from '@coordinator/core';
import type { Admin, Consumer } from 'kafkajs';
import { kafkaErrorType } from './kafka-error-type.js';
import type { KafkaLogOptions } from './kafka-log-options.js';

const metadataVersion = 1;
/** Commit errors that mean the group moved on: this node may no longer own the partition. */
const rebalancingErrors = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'NOT_COORDINATOR_FOR_GROUP',
]);

/** A checkpoint as committed: where replay starts, and the owner's epoch then (-1 if none). */
export interface Checkpoint {
  readonly position: number;
  readonly epoch: number;
}

/**
 * Checkpoints kept as the consumer group's committed offsets, with `{v: 1, epoch}` as the
 * offset metadata. Commits go through the group member, so they carry its generation and the
 * broker refuses them from a node the group has moved on from.
 */
export class CheckpointStore {
  readonly #options: KafkaLogOptions;
  readonly #admin: Admin;
  readonly #consumer: Consumer;

  constructor(options: KafkaLogOptions, admin: Admin, consumer: Consumer) {
    this.#options = options;
    this.#admin = admin;
    this.#consumer = consumer;
  }

  /** The committed checkpoint; 0 when none, raised to the log's start if records were deleted. */
  async load(partition: number): Promise<Checkpoint> {
    const { topic, groupId } = this.#options;
    const [committed, offsets] = await Promise.all([
      this.#admin.fetchOffsets({ groupId, topics: [topic] }),
      this.#admin.fetchTopicOffsets(topic),
    ]);
    const entry = committed[0]?.partitions.find((p) => p.partition === partition);
    const low = Number(offsets.find((o) => o.partition === partition)?.low ?? 0);
    const position = Math.max(Number(entry?.offset ?? -1), 0, low);
    return { position, epoch: parseEpoch(entry?.metadata) };
  }

  /**
   * @throws CoordinatorError `NOT_OWNER` when the group is rebalancing or moved on,
   * `CONNECTION_LOST` for any other failure.
   */
  async commit(partition: number, position: number, epoch: number): Promise<void> {
    const { topic } = this.#options;
    try {
      await this.#consumer.commitOffsets([
        {
          topic,
          partition,
          offset: String(position),
          metadata: JSON.stringify({ v: metadataVersion, epoch }),
        },
      ]);
    } catch (cause) {
      const type = kafkaErrorType(cause);
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new CoordinatorError(
        type && rebalancingErrors.has(type) ? 'NOT_OWNER' : 'CONNECTION_LOST',
        `Kafka did not take the checkpoint ${position} of partition ${partition} (${reason})`,
        { cause },
      );
    }
  }

  /** Deletes the records below `offset`; a failure is reported, the checkpoint stands. */
  async trim(partition: number, offset: number): Promise<void> {
    const { topic, onEvent } = this.#options;
    try {
      await this.#admin.deleteTopicRecords({
        topic,
        partitions: [{ partition, offset: String(offset) }],
      });
      onEvent({ type: 'kafka-log.trimmed', partition, offset });
    } catch (error) {
      onEvent({ type: 'kafka-log.trimmed', partition, offset, error: String(error) });
    }
  }
}

function parseEpoch(metadata: string | null | undefined): number {
  if (!metadata) return -1;
  try {
    const value = JSON.parse(metadata) as { v?: unknown; epoch?: unknown };
    return value.v === metadataVersion && Number.isSafeInteger(value.epoch)
      ? (value.epoch as number)
      : -1;
  } catch {
    return -1;
  }
}
