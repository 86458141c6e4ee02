// Longer than ~300 lines: the EventLog port's methods and the consumer-group membership that
// drives ownership live together, since every method answers from the partitions the group gave
// this node; per-partition work is in owned-partition.ts, the writer and feed beside it.
import {
  CoordinatorError,
  type EventLog,
  type LoggedRecord,
  type LogRecord,
} from '@coordinator/core';
import { systemClock } from '@coordinator/transport';
import { type Admin, type Consumer, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { CheckpointStore } from './checkpoint-store.js';
import { clientLogger } from './client-logger.js';
import { type KafkaLogInput, type KafkaLogOptions, kafkaLogOptions } from './kafka-log-options.js';
import { OwnedPartition, type PartitionFetching } from './owned-partition.js';
import type { OwnershipListener } from './ownership-listener.js';
import { ProducePipeline } from './produce-pipeline.js';
import { produceRequest } from './produce-request.js';
import { stickyAssigner } from './sticky-assigner.js';
import { ensureTopic } from './topic-setup.js';

/** Fails with `error` on the first step. */
async function* failing(error: CoordinatorError): AsyncGenerator<LoggedRecord[]> {
  yield* [];
  throw error;
}

/**
 * The {@link EventLog} on Kafka: one events topic of P partitions, shared by the nodes of a
 * consumer group (sticky assignment). A node appends only to the partitions it owns, each under
 * a CLAIM whose offset is its epoch; every append is checked to land where expected, so a node
 * that lost a partition finds out at its next append (`FENCED`) and replay skips its late
 * records. Positions are Kafka offsets: ascending, not contiguous (CLAIMs take offsets too).
 * The committed consumer offset, with the epoch as metadata, is the checkpoint.
 *
 * Errors: `INVALID_OPTION`, `NOT_OWNER` (partition not owned, or being rebalanced), `NOT_READY`
 * (partition still replaying up to its CLAIM), `FENCED` (another node's CLAIM follows this
 * node's), `CLOSED` (after {@link KafkaLog.close}, or a failed send), and on read `LOG_CORRUPT`
 * or a record's own `INVALID_RECORD` / `UNSUPPORTED_VERSION`.
 *
 * @example
 * const log = await KafkaLog.open({ brokers: ['127.0.0.1:9092'], nodeId: 'node-a' });
 * const driver = new Driver({ log, ... });
 * await driver.start(); // calls log.own(partitions, listener)
 * // ...
 * await log.close();
 */
export class KafkaLog implements EventLog {
  readonly #options: KafkaLogOptions;
  readonly #admin: Admin;
  readonly #producer: Producer;
  readonly #consumer: Consumer;
  readonly #checkpoints: CheckpointStore;
  readonly #owned = new Map<number, OwnedPartition>();
  readonly #pipeline: ProducePipeline;
  #listener: OwnershipListener | undefined;
  #watchTimer: NodeJS.Timeout | undefined;
  #watching = false;
  #closing: Promise<void> | undefined;
  #closed = false;

  private constructor(options: KafkaLogOptions, kafka: Kafka, admin: Admin, producer: Producer) {
    this.#options = options;
    this.#admin = admin;
    this.#producer = producer;
    this.#pipeline = new ProducePipeline(produceRequest(producer, options.topic));
    this.#consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: options.heartbeatIntervalMs,
      rebalanceTimeout: options.rebalanceTimeoutMs,
      maxWaitTimeInMs: options.fetchMaxWaitMs,
      allowAutoTopicCreation: false,
      partitionAssigners: [stickyAssigner(() => this.#held())],
    });
    this.#checkpoints = new CheckpointStore(options, admin, this.#consumer);
  }

  /**
   * Connects, creates the topic when missing (P partitions) and the idempotent producer.
   * Ownership starts with {@link KafkaLog.own}.
   * @throws CoordinatorError `INVALID_OPTION` (also when the topic has another partition count);
   * the client's error when no broker answers.
   */
  static async open(input: KafkaLogInput): Promise<KafkaLog> {
    const options = kafkaLogOptions.resolve(input);
    const kafka = new Kafka({
      clientId: options.nodeId,
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
      logCreator: clientLogger(options.onEvent),
    });
    const admin = kafka.admin();
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    try {
      await admin.connect();
      const created = await ensureTopic(admin, options);
      await producer.connect();
      options.onEvent({
        type: 'kafka-log.opened',
        topic: options.topic,
        partitions: options.partitions,
        groupId: options.groupId,
        nodeId: options.nodeId,
        created,
      });
    } catch (error) {
      await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
      throw error;
    }
    return new KafkaLog(options, kafka, admin, producer);
  }

  /** The resolved options. */
  get options(): KafkaLogOptions {
    return this.#options;
  }

  /** The partitions this node owns now (replayed up to its CLAIM), ascending. */
  get owned(): number[] {
    return [...this.#owned]
      .filter(([, o]) => o.live)
      .map(([p]) => p)
      .sort((a, b) => a - b);
  }

  /**
   * The partitions the consumer does not fetch now, ascending: the live ones, whose owner does
   * not read its own writes back (it reads only a gap an append landed past, or another node's
   * writes its end-offset watch found).
   */
  get paused(): number[] {
    const { topic } = this.#options;
    try {
      return this.#consumer
        .paused()
        .filter((t) => t.topic === topic)
        .flatMap((t) => t.partitions)
        .sort((a, b) => a - b);
    } catch {
      return []; // the consumer does not run yet
    }
  }

  /**
   * Joins the consumer group; from then on the listener is told of each partition this node
   * gains or loses. Resolves once the consumer runs (assignments follow).
   * @throws CoordinatorError `INVALID_OPTION` when called twice, `CLOSED` after close.
   */
  async own(partitions: number, listener: OwnershipListener): Promise<void> {
    if (this.#closed) throw this.#closedError();
    if (this.#listener) {
      throw new CoordinatorError('INVALID_OPTION', 'KafkaLog.own was already called');
    }
    if (partitions !== this.#options.partitions) {
      throw new CoordinatorError(
        'INVALID_OPTION',
        `Expected \`partitions\` to be ${this.#options.partitions}, the partition count of topic ${this.#options.topic}, got \`${partitions}\` (number)`,
      );
    }
    this.#listener = listener;
    const { events } = this.#consumer;
    this.#consumer.on(events.GROUP_JOIN, ({ payload }) => {
      this.#rebalanced(payload.memberAssignment[this.#options.topic] ?? []);
    });
    this.#consumer.on(events.CRASH, ({ payload }) => {
      const message =
        payload.error instanceof Error ? payload.error.message : String(payload.error);
      this.#options.onEvent({
        type: 'kafka-log.consumer-crashed',
        message,
        restart: payload.restart,
      });
      if (!payload.restart) this.#giveUpAll();
    });
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topics: [this.#options.topic], fromBeginning: true });
    await this.#consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        // Only buffering here: heartbeats come between batches, so nothing slow may run.
        const owned = this.#owned.get(batch.partition);
        if (owned && batch.topic === this.#options.topic) {
          for (const message of batch.messages)
            owned.feed.deliver(Number(message.offset), message.value);
        }
        await heartbeat();
      },
    });
    this.#watchTimer = setInterval(() => void this.#watch(), this.#options.fetchMaxWaitMs);
    this.#watchTimer.unref();
  }

  /**
   * A live partition's consumer is paused (the owner does not read its own writes back), so
   * another node's CLAIM is noticed by asking the broker for the partitions' end offsets, one
   * request for all, every `fetchMaxWaitMs`: a partition whose end lies past what its owner
   * wrote is read up to there.
   */
  async #watch(): Promise<void> {
    if (this.#watching || this.#closed || ![...this.#owned.values()].some((o) => o.live)) return;
    this.#watching = true;
    try {
      const ends = await this.#admin.fetchTopicOffsets(this.#options.topic);
      for (const { partition, high } of ends) this.#owned.get(partition)?.watch(Number(high));
    } catch {
      // The next round asks again; an append past a CLAIM is fenced by its own check anyway.
    } finally {
      this.#watching = false;
    }
  }

  append(partition: number, records: readonly LogRecord[]): Promise<readonly number[]> {
    const refused = this.#refusal(partition);
    if (refused) return Promise.reject(refused);
    const owned = this.#owned.get(partition);
    if (!owned) return Promise.reject(this.#notOwned(partition));
    return owned.append(records);
  }

  read(partition: number, from: number): AsyncIterable<readonly LoggedRecord[]> {
    const refused = this.#refusal(partition) ?? this.#checkPosition('from', from);
    if (refused) return failing(refused);
    const owned = this.#owned.get(partition);
    if (!owned) return failing(this.#notOwned(partition));
    return owned.read(from);
  }

  /** The offset after the last record delivered to this owner (its CLAIM, once live). */
  async head(partition: number): Promise<number> {
    const refused = this.#refusal(partition);
    if (refused) throw refused;
    const owned = this.#owned.get(partition);
    if (!owned) throw this.#notOwned(partition);
    return owned.feed.end;
  }

  /** The committed checkpoint; 0 when none, raised to the log's start if records were deleted. */
  async loadCheckpoint(partition: number): Promise<number> {
    const refused = this.#refusal(partition);
    if (refused) throw refused;
    return (await this.#checkpoints.load(partition)).position;
  }

  /**
   * Commits the consumer offset `position` with the owner's epoch. The commit carries the group
   * generation, so a node that lost the group cannot move it.
   * @throws CoordinatorError `NOT_OWNER` when the partition is not owned or the group is
   * rebalancing, `FENCED` after fencing.
   */
  async commitCheckpoint(partition: number, position: number): Promise<void> {
    const refused = this.#refusal(partition) ?? this.#checkPosition('position', position);
    if (refused) throw refused;
    const owned = this.#owned.get(partition);
    if (!owned) throw this.#notOwned(partition);
    const epoch = owned.epochForCheckpoint();
    await this.#checkpoints.commit(partition, position, epoch);
    owned.feed.trim(position);
    if (this.#options.trimBelowCheckpoint) await this.#checkpoints.trim(partition, position);
  }

  /**
   * Refuses further calls, waits for the sends in flight, then leaves the group (so others take
   * the partitions over at once) and disconnects. The listener is not called. Idempotent.
   */
  close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#watchTimer);
    this.#closing ??= (async () => {
      const error = this.#closedError();
      await Promise.all([...this.#owned.values()].map((o) => o.close(error)));
      this.#owned.clear();
      await this.#consumer.disconnect();
      await this.#producer.disconnect();
      await this.#admin.disconnect();
    })();
    return this.#closing;
  }

  #held(): Map<number, number> {
    const held = new Map<number, number>();
    for (const [partition, owned] of this.#owned) if (owned.held) held.set(partition, owned.epoch);
    return held;
  }

  #rebalanced(assignment: readonly number[]): void {
    if (this.#closed) return;
    const next = new Set(assignment);
    const assigned: number[] = [];
    const revoked: number[] = [];
    for (const [partition, owned] of this.#owned) {
      if (next.has(partition)) continue;
      this.#owned.delete(partition);
      owned.release();
      revoked.push(partition);
    }
    for (const partition of next) {
      const owned = this.#owned.get(partition);
      if (owned) {
        owned.reacquire();
        continue;
      }
      const created = this.#partition(partition);
      this.#owned.set(partition, created);
      created.acquire();
      assigned.push(partition);
    }
    this.#options.onEvent({
      type: 'kafka-log.rebalanced',
      owned: [...next].sort((a, b) => a - b),
      assigned,
      revoked,
    });
  }

  #giveUpAll(): void {
    for (const [partition, owned] of this.#owned) {
      this.#owned.delete(partition);
      owned.release();
    }
  }

  #partition(partition: number): OwnedPartition {
    const { topic, nodeId, sessionTimeoutMs, onEvent } = this.#options;
    return new OwnedPartition({
      topic,
      partition,
      nodeId,
      gapTimeoutMs: sessionTimeoutMs,
      retryMs: 1000,
      reclaimDelayMs: Math.max(1000, Math.round(sessionTimeoutMs / 2)),
      clock: systemClock,
      listener: this.#listener as OwnershipListener,
      send: (take) => this.#pipeline.send(partition, take),
      loadCheckpoint: () => this.#checkpoints.load(partition),
      fetching: this.#fetching(partition),
      emit: onEvent,
    });
  }

  /** Pauses and resumes the consumer's fetching of one partition. */
  #fetching(partition: number): PartitionFetching {
    const topics = [{ topic: this.#options.topic, partitions: [partition] }];
    // The consumer runs before any partition is assigned; past close it refuses, harmlessly.
    const quietly = (act: () => void) => {
      try {
        act();
      } catch {}
    };
    return {
      resume: (from) =>
        quietly(() => {
          if (from !== undefined) {
            this.#consumer.seek({ topic: this.#options.topic, partition, offset: String(from) });
          }
          this.#consumer.resume(topics);
        }),
      pause: () => quietly(() => this.#consumer.pause(topics)),
    };
  }

  #refusal(partition: number): CoordinatorError | undefined {
    if (this.#closed) return this.#closedError();
    const { partitions } = this.#options;
    if (Number.isSafeInteger(partition) && partition >= 0 && partition < partitions)
      return undefined;
    return new CoordinatorError(
      'INVALID_OPTION',
      `Expected \`partition\` to be an integer from 0 to ${partitions - 1}, got \`${String(partition)}\` (${typeof partition})`,
    );
  }

  #checkPosition(name: string, value: number): CoordinatorError | undefined {
    if (Number.isSafeInteger(value) && value >= 0) return undefined;
    return new CoordinatorError(
      'INVALID_OPTION',
      `Expected \`${name}\` to be an integer from 0 and up, got \`${String(value)}\` (${typeof value})`,
    );
  }

  #notOwned(partition: number): CoordinatorError {
    return new CoordinatorError(
      'NOT_OWNER',
      `This node does not own partition ${partition} of ${this.#options.topic}; send the Command to its owner`,
    );
  }

  #closedError(): CoordinatorError {
    return new CoordinatorError('CLOSED', `The Kafka log on ${this.#options.topic} is closed`);
  }
}
