import type {
  Clock,
  CoordinatorError,
  LoggedRecord,
  LogRecord,
  TimerHandle,
} from '@coordinator/core';
import type { KafkaLogEvent } from './kafka-log-event.js';
import {
  claimFailedError,
  fencedByClaimError,
  notOwnerError,
  notReadyError,
} from './ownership-errors.js';
import type { OwnershipListener } from './ownership-listener.js';
import { PartitionFeed } from './partition-feed.js';
import { type OutgoingMessage, PartitionWriter } from './partition-writer.js';

export interface OwnedPartitionConfig {
  readonly topic: string;
  readonly partition: number;
  readonly nodeId: string;
  readonly lingerMs: number;
  /** How long an append that landed past a gap waits for the consumer to show the gap. */
  readonly gapTimeoutMs: number;
  /** Pause before claiming again after a failed claim or send. */
  readonly retryMs: number;
  /**
   * Pause before claiming again after being fenced while the group still assigns the partition
   * here: long enough for a rebalance this node has not heard of yet to take it away first.
   */
  readonly reclaimDelayMs: number;
  /** Times the linger, the gap wait and the pauses before claiming again. */
  readonly clock: Clock;
  readonly listener: OwnershipListener;
  readonly send: (messages: readonly OutgoingMessage[]) => Promise<number>;
  readonly loadCheckpoint: () => Promise<{ position: number; epoch: number }>;
  readonly emit: (event: KafkaLogEvent) => void;
}

type State =
  /** Claiming, then replaying up to the CLAIM; appends are refused. */
  | 'claiming'
  /** Replay reached the CLAIM: appends and reads are served. */
  | 'live'
  /**
   * Given up (fenced, failed, the listener threw or the consumer stopped) but still assigned by
   * the group: claimed again after a pause when fenced or failed (unless a rebalance takes it
   * away first), else at the next rebalance that assigns it.
   */
  | 'dropped'
  /** No longer assigned, or the log closed. Final. */
  | 'released';

/**
 * One partition the group assigned to this node, from its CLAIM to its revocation: claims it
 * (the CLAIM's offset is the epoch), waits until the consumer has delivered everything up to the
 * CLAIM, then calls the listener's `assigned`. When another node's CLAIM appears after its own,
 * an append lands past one, a send fails or the group takes the partition away, it refuses
 * appends and calls `revoked` (only ever after `assigned`, and never two calls at once). After a
 * failed send, or fenced, it claims the partition again after a pause if the group still assigns
 * it here: the group's assignment is the arbiter, the CLAIMs only keep the log single-writer.
 */
export class OwnedPartition {
  readonly feed: PartitionFeed;
  readonly #config: OwnedPartitionConfig;
  #state: State = 'claiming';
  #writer: PartitionWriter | undefined;
  #stopError: CoordinatorError | undefined;
  /** Bumped on every drop, so that a claim in progress knows it was overtaken. */
  #round = 0;
  #abort: () => void = () => {};
  #aborted: Promise<void> = new Promise((resolve) => {
    this.#abort = resolve;
  });
  #live: Promise<void> = Promise.resolve();
  #onLive: () => void = () => {};
  /** Serialises the listener's calls. */
  #listenerCalls: Promise<void> = Promise.resolve();
  #notified = false;
  #retryTimer: TimerHandle | undefined;

  constructor(config: OwnedPartitionConfig) {
    this.#config = config;
    this.feed = new PartitionFeed({
      topic: config.topic,
      partition: config.partition,
      onStale: (offset, epoch, currentEpoch) =>
        config.emit({
          type: 'kafka-log.stale-skipped',
          partition: config.partition,
          offset,
          epoch,
          currentEpoch,
        }),
      onClaim: (offset) => this.#claimSeen(offset),
    });
  }

  /** Claimed or live: what this node advertises as held in the group. */
  get held(): boolean {
    return this.#state === 'claiming' || this.#state === 'live';
  }

  /** The epoch this node holds the partition under, or -1 while claiming. */
  get epoch(): number {
    return this.#writer?.epoch ?? -1;
  }

  get live(): boolean {
    return this.#state === 'live';
  }

  /** Claims the partition and, once replay reached the CLAIM, calls `assigned`. Not awaited. */
  acquire(): void {
    if (this.#state === 'released') return;
    this.#cancelRetry();
    this.#state = 'claiming';
    this.#stopError = undefined;
    this.#live = new Promise((resolve) => {
      this.#onLive = resolve;
    });
    void this.#claim(this.#round);
  }

  /** Claims again if the partition was given up while still assigned (after fencing). */
  reacquire(): void {
    if (this.#state === 'dropped') this.acquire();
  }

  async #claim(round: number): Promise<void> {
    const { partition, emit } = this.#config;
    let writer: PartitionWriter;
    try {
      if (!this.feed.initialised) {
        const { position, epoch } = await this.#config.loadCheckpoint();
        this.feed.init(position, epoch);
      }
      writer = await PartitionWriter.claim(this.#writerConfig(), this.#config.nodeId);
    } catch (error) {
      if (round !== this.#round) return;
      this.#drop('failed', claimFailedError(this.#config, error));
      return;
    }
    const started = this.#config.clock.now();
    if (round !== this.#round) {
      writer.refuse(this.#stopError ?? this.#notOwner());
      return;
    }
    emit({
      type: 'kafka-log.claimed',
      partition,
      epoch: writer.epoch,
      checkpoint: this.feed.start,
    });
    await Promise.race([this.feed.whenSeen(writer.epoch), this.#aborted]);
    if (round !== this.#round) {
      writer.refuse(this.#stopError ?? this.#notOwner());
      return;
    }
    this.#writer = writer;
    const newer = this.feed.latestClaim;
    if (newer > writer.epoch) {
      this.#fence(newer);
      return;
    }
    this.#state = 'live';
    this.#onLive();
    emit({
      type: 'kafka-log.recovered',
      partition,
      epoch: writer.epoch,
      records: this.feed.size,
      durationMs: this.#config.clock.now() - started,
    });
    this.#call('assigned');
  }

  #writerConfig() {
    const { topic, partition, lingerMs, gapTimeoutMs, clock, emit } = this.#config;
    return {
      topic,
      partition,
      lingerMs,
      clock,
      send: this.#config.send,
      gapHasClaim: async (expected: number, actual: number) => {
        let timer: TimerHandle | undefined;
        const seen = await Promise.race([
          this.feed.whenSeen(actual - 1).then(() => true),
          new Promise<boolean>((resolve) => {
            timer = clock.setTimer(() => resolve(false), gapTimeoutMs);
          }),
        ]);
        if (timer) clock.clearTimer(timer);
        // Unseen within the deadline: assume the worst.
        return !seen || this.feed.claimBetween(expected, actual);
      },
      onAcknowledged: (base: number, values: readonly Buffer[]) => {
        values.forEach((value, i) => {
          this.feed.deliver(base + i, value);
        });
      },
      onStopped: (error: CoordinatorError, reason: 'fenced' | 'failed') => {
        if (reason === 'fenced') {
          emit({
            type: 'kafka-log.fenced',
            partition,
            epoch: this.#writer?.epoch ?? -1,
            claim: this.feed.latestClaim,
            message: error.message,
          });
        }
        this.#drop(reason, error);
      },
    };
  }

  #claimSeen(offset: number): void {
    const writer = this.#writer;
    if (writer && offset > writer.epoch && this.held) this.#fence(offset);
  }

  #fence(claim: number): void {
    const { partition } = this.#config;
    const epoch = this.#writer?.epoch ?? -1;
    const error = fencedByClaimError(this.#config, claim, epoch);
    this.#config.emit({
      type: 'kafka-log.fenced',
      partition,
      epoch,
      claim,
      message: error.message,
    });
    this.#drop('fenced', error);
  }

  append(records: readonly LogRecord[]): Promise<readonly number[]> {
    if (this.#state !== 'live' || !this.#writer) return Promise.reject(this.#refusal());
    return this.#writer.append(records);
  }

  /** Waits for replay to reach the CLAIM, then reads what the feed holds. */
  async *read(from: number): AsyncGenerator<readonly LoggedRecord[]> {
    if (this.#state === 'claiming') await Promise.race([this.#live, this.#aborted]);
    if (this.#state !== 'live') throw this.#refusal();
    yield* this.feed.read(from);
  }

  /** The epoch to commit with a checkpoint. @throws the refusal when not live. */
  epochForCheckpoint(): number {
    if (this.#state !== 'live' || !this.#writer) throw this.#refusal();
    return this.#writer.epoch;
  }

  /** The group took the partition away: refuse appends, call `revoked`. */
  release(): void {
    this.#drop('rebalance', this.#notOwner());
  }

  /** The log closes: refuse appends, wait for the send in flight. `revoked` is not called. */
  async close(error: CoordinatorError): Promise<void> {
    this.#state = 'released';
    this.#stopError ??= error;
    this.#round += 1;
    this.#abort();
    this.#cancelRetry();
    this.#writer?.refuse(error);
    await this.#writer?.whenIdle();
  }

  #drop(reason: 'rebalance' | 'fenced' | 'failed' | 'stopped', error: CoordinatorError): void {
    if (this.#state === 'released' || this.#state === 'dropped') {
      if (reason === 'rebalance') this.#state = 'released';
      return;
    }
    this.#state = reason === 'rebalance' ? 'released' : 'dropped';
    this.#stopError = error;
    this.#round += 1;
    this.#abort();
    this.#aborted = new Promise((resolve) => {
      this.#abort = resolve;
    });
    this.#writer?.refuse(error);
    this.#writer = undefined;
    const { partition, emit } = this.#config;
    emit({ type: 'kafka-log.revoked', partition, reason });
    if (reason === 'failed') {
      emit({ type: 'kafka-log.append-failed', partition, message: error.message });
      this.#retryTimer = this.#config.clock.setTimer(() => this.reacquire(), this.#config.retryMs);
    }
    if (reason === 'fenced') {
      this.#retryTimer = this.#config.clock.setTimer(
        () => this.reacquire(),
        this.#config.reclaimDelayMs,
      );
    }
    if (this.#notified) this.#call('revoked');
  }

  #cancelRetry(): void {
    if (this.#retryTimer) this.#config.clock.clearTimer(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  #call(phase: 'assigned' | 'revoked'): void {
    const { partition, listener, emit } = this.#config;
    this.#notified = phase === 'assigned';
    this.#listenerCalls = this.#listenerCalls.then(async () => {
      try {
        await listener[phase](partition);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        emit({ type: 'kafka-log.listener-failed', partition, phase, message });
        if (phase === 'assigned') this.#drop('stopped', this.#notOwner());
      }
    });
  }

  #refusal(): CoordinatorError {
    return this.#stopError ?? notReadyError(this.#config);
  }

  #notOwner(): CoordinatorError {
    return notOwnerError(this.#config);
  }
}
