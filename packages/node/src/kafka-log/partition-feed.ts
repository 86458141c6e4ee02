import { CoordinatorError, type LoggedRecord } from '@coordinator/core';
import { decodeEnvelope, decodeRecordValue } from './log-envelope.js';

/** A record kept for replay: its offset and its envelope's bytes (decoded when read). */
interface Entry {
  readonly offset: number;
  readonly value: Buffer;
}

export interface PartitionFeedConfig {
  readonly topic: string;
  readonly partition: number;
  /** A record of an older epoch than the latest CLAIM was skipped. */
  readonly onStale: (offset: number, epoch: number, currentEpoch: number) => void;
  /** A CLAIM was seen (any node's, this one's included). */
  readonly onClaim: (offset: number, node: string) => void;
}

const batchSize = 1024;

/**
 * What one owned partition's replay reads: the records delivered for it, from the checkpoint it
 * was assigned at on, with the epoch filter already applied. The group consumer delivers the
 * partition's messages in offset order (again from the checkpoint after each rebalance:
 * duplicates are dropped by offset), and the writer adds this node's acknowledged appends, so
 * that `read` sees them without waiting for the consumer.
 *
 * The epoch filter: the current epoch starts at the one committed with the checkpoint and is
 * raised by each CLAIM (its offset) and by each record of a newer epoch (whose CLAIM lay before
 * the checkpoint); a record of an older epoch is a fenced node's late write and is skipped. CLAIMs
 * are kept out of the records. Records below the committed checkpoint are dropped.
 */
export class PartitionFeed {
  readonly #config: PartitionFeedConfig;
  #entries: Entry[] = [];
  /** Deliveries before `init`, which sets where replay starts and the first epoch. */
  #early: [number, Buffer | null][] | undefined = [];
  #start = 0;
  /** Every offset below this has been seen. */
  #next = 0;
  #epoch = -1;
  /** Offsets of the CLAIMs seen from the start on, ascending. */
  #claims: number[] = [];
  #corrupt: { offset: number; error: CoordinatorError } | undefined;
  #waiters: { offset: number; resolve: () => void }[] = [];

  constructor(config: PartitionFeedConfig) {
    this.#config = config;
  }

  /** Replay starts at `checkpoint`, under the epoch committed with it. */
  init(checkpoint: number, epoch: number): void {
    if (!this.#early) return;
    const early = this.#early;
    this.#early = undefined;
    this.#start = checkpoint;
    this.#next = checkpoint;
    this.#epoch = epoch;
    for (const [offset, value] of early) this.deliver(offset, value);
  }

  get initialised(): boolean {
    return this.#early === undefined;
  }

  /** Where replay can start: the checkpoint, or the first offset the log still holds. */
  get start(): number {
    return this.#start;
  }

  /** The offset after the last one seen. */
  get end(): number {
    return this.#next;
  }

  get epoch(): number {
    return this.#epoch;
  }

  /** The offset of the latest CLAIM seen, or -1. */
  get latestClaim(): number {
    return this.#claims.at(-1) ?? -1;
  }

  /** Whether a CLAIM was seen at an offset from `from` (inclusive) to `to` (exclusive). */
  claimBetween(from: number, to: number): boolean {
    return this.#claims.some((c) => c >= from && c < to);
  }

  /** Records kept for replay. */
  get size(): number {
    return this.#entries.length;
  }

  /** Takes one message of the partition, from the consumer or from this node's writer. */
  deliver(offset: number, value: Buffer | null): void {
    if (this.#early) {
      this.#early.push([offset, value]);
      return;
    }
    if (offset < this.#next) return;
    if (this.#next === this.#start && this.#entries.length === 0) this.#start = offset;
    this.#next = offset + 1;
    this.#keep(offset, value);
    while (this.#waiters.length > 0 && (this.#waiters[0]?.offset ?? 0) < this.#next) {
      this.#waiters.shift()?.resolve();
    }
  }

  #keep(offset: number, value: Buffer | null): void {
    const where = `${this.#config.topic}[${this.#config.partition}] offset ${offset}`;
    let envelope: ReturnType<typeof decodeEnvelope>;
    try {
      envelope = decodeEnvelope(value, where);
    } catch (error) {
      this.#corrupt ??= { offset, error: error as CoordinatorError };
      return;
    }
    if (envelope.kind === 'claim') {
      this.#epoch = offset;
      this.#claims.push(offset);
      this.#config.onClaim(offset, envelope.node);
      return;
    }
    if (envelope.epoch < this.#epoch) {
      this.#config.onStale(offset, envelope.epoch, this.#epoch);
      return;
    }
    this.#epoch = envelope.epoch;
    // Past a corrupt message replay stops, so nothing after it is kept (CLAIMs still count).
    if (!this.#corrupt) this.#entries.push({ offset, value: value as Buffer });
  }

  /** Resolves once `offset` has been seen (delivered, or skipped past). */
  whenSeen(offset: number): Promise<void> {
    if (!this.#early && offset < this.#next) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { offset, resolve };
      const at = this.#waiters.findIndex((w) => w.offset > offset);
      if (at === -1) this.#waiters.push(waiter);
      else this.#waiters.splice(at, 0, waiter);
    });
  }

  /** Drops the records below a committed checkpoint. */
  trim(checkpoint: number): void {
    if (checkpoint <= this.#start) return;
    const keep = this.#entries.findIndex((e) => e.offset >= checkpoint);
    this.#entries = keep === -1 ? [] : this.#entries.slice(keep);
    this.#claims = this.#claims.filter((c) => c >= checkpoint || c === this.latestClaim);
    this.#start = Math.min(checkpoint, this.#next);
  }

  /**
   * The records from `from` to the end seen now, decoded, in batches.
   * @throws CoordinatorError `INVALID_OPTION` when `from` lies before the start, `LOG_CORRUPT`
   * on reaching a message that is not an envelope, a record's own `INVALID_RECORD`.
   */
  *read(from: number): Generator<readonly LoggedRecord[]> {
    if (from < this.#start) {
      const { topic, partition } = this.#config;
      throw new CoordinatorError(
        'INVALID_OPTION',
        `Cannot read ${topic}[${partition}] from position ${from}: the Kafka log replays an owned partition only from its checkpoint (${this.#start}) on`,
      );
    }
    const corrupt = this.#corrupt;
    const end = corrupt ? corrupt.offset : this.#next;
    let first = this.#entries.findIndex((e) => e.offset >= from);
    if (first === -1) first = this.#entries.length;
    const entries = this.#entries.slice(first);
    const where = (offset: number) =>
      `${this.#config.topic}[${this.#config.partition}] offset ${offset}`;
    for (let i = 0; i < entries.length && (entries[i] as Entry).offset < end; i += batchSize) {
      const batch: LoggedRecord[] = [];
      for (const { offset, value } of entries.slice(i, i + batchSize)) {
        if (offset >= end) break;
        batch.push({ position: offset, record: decodeRecordValue(value, where(offset)) });
      }
      yield batch;
    }
    if (corrupt && from <= corrupt.offset) throw corrupt.error;
  }
}
