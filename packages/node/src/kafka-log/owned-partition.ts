// Longer than ~300 lines: it carries out every effect of the ownership transition function
// (claiming, fetching paused or on demand, gap reads, revocation, drops) over one partition's
// writer and consumer; the rules themselves are in partition-ownership.ts.
import type {
  Clock,
  CoordinatorError,
  LoggedRecord,
  LogRecord,
  TimerHandle,
} from '@coordinator/core';
import type { KafkaLogEvent } from './kafka-log-event.js';
import { claimFailedError } from './ownership-errors.js';
import type { OwnershipListener } from './ownership-listener.js';
import { PartitionFeed } from './partition-feed.js';
import {
  type OwnershipEffect,
  type OwnershipEvent,
  type OwnershipOptions,
  type OwnershipState,
  refusal,
  transition,
  unclaimed,
} from './partition-ownership.js';
import {
  type OutgoingMessage,
  PartitionWriter,
  type PartitionWriterConfig,
} from './partition-writer.js';

/** Whether the group consumer fetches the partition. */
export interface PartitionFetching {
  /** Fetches again, from `from` when given (else from where it stopped). */
  resume(from?: number): void;
  /** Stops fetching. */
  pause(): void;
}

export interface OwnedPartitionConfig extends OwnershipOptions {
  readonly nodeId: string;
  /** How long an append that landed past a gap waits for the consumer to show the gap. */
  readonly gapTimeoutMs: number;
  /** Times the gap wait and the pauses before claiming again. */
  readonly clock: Clock;
  readonly listener: OwnershipListener;
  /** Sends to the partition through the node's produce pipeline (see {@link PartitionWriterConfig}). */
  readonly send: (take: () => readonly OutgoingMessage[]) => Promise<number | undefined>;
  readonly loadCheckpoint: () => Promise<{ position: number; epoch: number }>;
  /**
   * The consumer fetches while the partition is claimed and replayed; once live the owner does
   * not read back its own writes (the writer hands them to the feed), so it is paused, and
   * fetches again only to read a gap an append landed past, or to claim anew.
   */
  readonly fetching: PartitionFetching;
  readonly emit: (event: KafkaLogEvent) => void;
}

/**
 * One partition the group assigned to this node, from its CLAIM to its revocation: claims it
 * (the CLAIM's offset is the epoch), waits until the consumer has delivered everything up to the
 * CLAIM, then calls the listener's `assigned`, and stops fetching (it does not read its own writes
 * back). When another node's CLAIM appears after its own, an append lands past one (the gap is
 * read then, on demand), a send fails or the group takes the partition away, it refuses
 * appends and calls `revoked` (only ever after `assigned`, and never two calls at once). After a
 * failed send, or fenced, it claims the partition again after a pause if the group still assigns
 * it here. The rules are {@link transition}'s; this class carries out its effects.
 */
export class OwnedPartition {
  readonly feed: PartitionFeed;
  readonly #config: OwnedPartitionConfig;
  #state: OwnershipState = unclaimed;
  /** The writer of each claimed round, until it is refused. */
  readonly #writers = new Map<number, PartitionWriter>();
  /** Reads waiting for the claim in progress to end. */
  readonly #waiting: (() => void)[] = [];
  /** Serialises the listener's calls. */
  #listenerCalls: Promise<void> = Promise.resolve();
  #reclaimTimer: TimerHandle | undefined;
  #claimedAt = 0;
  /** Reads of the partition under way while live (each resumed fetching). */
  #reads = 0;

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
      onClaim: (offset) => this.#dispatch({ type: 'claim-seen', offset }),
    });
  }

  /** Claimed or live: what this node advertises as held in the group. */
  get held(): boolean {
    return this.#state.phase === 'claiming' || this.#state.phase === 'live';
  }

  /** The epoch this node holds the partition under, or -1 while claiming. */
  get epoch(): number {
    return this.#state.phase === 'live' ? this.#state.epoch : -1;
  }

  get live(): boolean {
    return this.#state.phase === 'live';
  }

  /**
   * Claims the partition unless held and, once replay reached the CLAIM, calls `assigned`. Not
   * awaited.
   */
  acquire(): void {
    this.#dispatch({ type: 'acquire' });
  }

  /** Claims again if the partition was given up while still assigned (after fencing). */
  reacquire(): void {
    this.acquire();
  }

  append(records: readonly LogRecord[]): Promise<readonly number[]> {
    const writer = this.#liveWriter();
    return writer ? writer.append(records) : Promise.reject(this.#refusal());
  }

  /**
   * The partition's end offset as the broker reports it now. Past what this idle owner wrote,
   * another node wrote (a CLAIM, or a fenced node's late records): the consumer reads from the
   * end of the feed up to `end`, and a CLAIM seen there fences this node at once, appending or
   * not.
   */
  watch(end: number): void {
    const writer = this.#liveWriter();
    const from = this.feed.end;
    if (!writer?.idle || end <= Math.max(from, writer.expected) || this.#reads > 0) return;
    void this.#readTo(from, end);
  }

  /** Waits for replay to reach the CLAIM, then reads what the feed holds. */
  async *read(from: number): AsyncGenerator<readonly LoggedRecord[]> {
    if (this.#state.phase === 'claiming') {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    if (this.#state.phase !== 'live') throw this.#refusal();
    yield* this.feed.read(from);
  }

  /** The epoch to commit with a checkpoint. @throws the refusal when not live. */
  epochForCheckpoint(): number {
    if (this.#state.phase !== 'live') throw this.#refusal();
    return this.#state.epoch;
  }

  /** The group took the partition away: refuse appends, call `revoked`. */
  release(): void {
    this.#dispatch({ type: 'release' });
  }

  /** The log closes: refuse appends, wait for the send in flight. `revoked` is not called. */
  async close(error: CoordinatorError): Promise<void> {
    const writer = this.#liveWriter();
    this.#dispatch({ type: 'close', error });
    await writer?.whenIdle();
  }

  #dispatch(event: OwnershipEvent): void {
    const { state, effects } = transition(this.#state, event, this.#config);
    this.#state = state;
    if (state.phase !== 'claiming') for (const resolve of this.#waiting.splice(0)) resolve();
    for (const effect of effects) this.#run(effect);
  }

  #run(effect: OwnershipEffect): void {
    const { partition, emit, clock } = this.#config;
    switch (effect.type) {
      case 'claim':
        this.#config.fetching.resume();
        void this.#claim(effect.round);
        return;
      case 'report-claimed':
        this.#claimedAt = clock.now();
        emit({
          type: 'kafka-log.claimed',
          partition,
          epoch: effect.epoch,
          checkpoint: this.feed.start,
        });
        return;
      case 'await-replay':
        void this.feed.whenSeen(effect.epoch).then(() => {
          this.#dispatch({
            type: 'replayed',
            round: effect.round,
            latestClaim: this.feed.latestClaim,
          });
        });
        return;
      case 'report-live':
        this.#config.fetching.pause();
        emit({
          type: 'kafka-log.recovered',
          partition,
          epoch: effect.epoch,
          records: this.feed.size,
          durationMs: clock.now() - this.#claimedAt,
        });
        return;
      case 'refuse':
        this.#writers.get(effect.round)?.refuse(effect.error);
        this.#writers.delete(effect.round);
        return;
      case 'report-drop':
        this.#reportDrop(effect);
        return;
      case 'notify':
        this.#notify(effect.round, effect.phase);
        return;
      case 'schedule-reclaim':
        this.#reclaimTimer = clock.setTimer(() => {
          this.#reclaimTimer = undefined;
          this.#dispatch({ type: 'reclaim-due' });
        }, effect.delayMs);
        return;
      case 'cancel-reclaim':
        if (this.#reclaimTimer) clock.clearTimer(this.#reclaimTimer);
        this.#reclaimTimer = undefined;
        return;
    }
  }

  async #claim(round: number): Promise<void> {
    let writer: PartitionWriter;
    try {
      if (!this.feed.initialised) {
        const { position, epoch } = await this.#config.loadCheckpoint();
        this.feed.init(position, epoch);
      }
      writer = await PartitionWriter.claim(this.#writerConfig(round), this.#config.nodeId);
    } catch (cause) {
      this.#dispatch({ type: 'claim-failed', round, error: claimFailedError(this.#config, cause) });
      return;
    }
    this.#writers.set(round, writer);
    this.#dispatch({ type: 'claimed', round, epoch: writer.epoch });
  }

  #writerConfig(round: number): PartitionWriterConfig {
    const { topic, partition, send } = this.#config;
    return {
      topic,
      partition,
      send,
      gapHasClaim: (expected, actual) => this.#gapHasClaim(expected, actual),
      onAcknowledged: (base, values) => {
        values.forEach((value, i) => {
          this.feed.deliver(base + i, value);
        });
      },
      onStopped: (error, reason) =>
        this.#dispatch({ type: 'writer-stopped', round, reason, error }),
    };
  }

  /** Reads the gap from `expected` to `actual` (the consumer is paused while live). */
  async #gapHasClaim(expected: number, actual: number): Promise<boolean> {
    const seen = await this.#readTo(expected, actual);
    // Unseen within the deadline: assume the worst.
    return !seen || this.feed.claimBetween(expected, actual);
  }

  /**
   * Has the consumer fetch from `from` until the feed has seen everything below `to`, or
   * `gapTimeoutMs` passed (false then); stops fetching again after, if still live.
   */
  async #readTo(from: number, to: number): Promise<boolean> {
    const { clock, gapTimeoutMs, fetching } = this.#config;
    this.#reads += 1;
    fetching.resume(from);
    let timer: TimerHandle | undefined;
    const seen = await Promise.race([
      this.feed.whenSeen(to - 1).then(() => true),
      new Promise<boolean>((resolve) => {
        timer = clock.setTimer(() => resolve(false), gapTimeoutMs);
      }),
    ]);
    if (timer) clock.clearTimer(timer);
    this.#reads -= 1;
    if (this.#reads === 0 && this.live) fetching.pause();
    return seen;
  }

  #reportDrop(effect: Extract<OwnershipEffect, { type: 'report-drop' }>): void {
    const { partition, emit } = this.#config;
    const { reason, epoch, error } = effect;
    if (reason === 'fenced') {
      const claim = this.feed.latestClaim;
      emit({ type: 'kafka-log.fenced', partition, epoch, claim, message: error.message });
    }
    emit({ type: 'kafka-log.revoked', partition, reason });
    if (reason === 'failed') {
      emit({ type: 'kafka-log.append-failed', partition, message: error.message });
    }
  }

  #notify(round: number, phase: 'assigned' | 'revoked'): void {
    const { partition, listener, emit } = this.#config;
    this.#listenerCalls = this.#listenerCalls.then(async () => {
      try {
        await listener[phase](partition);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        emit({ type: 'kafka-log.listener-failed', partition, phase, message });
        this.#dispatch({ type: 'listener-failed', round, phase });
      }
    });
  }

  #liveWriter(): PartitionWriter | undefined {
    return this.#state.phase === 'live' ? this.#writers.get(this.#state.round) : undefined;
  }

  #refusal(): CoordinatorError {
    return refusal(this.#state, this.#config);
  }
}
