import { CoordinatorError, type LogRecord } from '@coordinator/core';
import { encodeClaimEnvelope, encodeRecordEnvelope } from './log-envelope.js';

/** One message for the partition: the Command id as key, an envelope as value. */
export interface OutgoingMessage {
  readonly key: string;
  readonly value: Buffer;
}

export interface PartitionWriterConfig {
  readonly topic: string;
  readonly partition: number;
  /**
   * Sends messages to the partition in one produce batch; resolves with its base offset. The
   * messages are taken (`take`) only when the request is built, so that appends made while the
   * send waited join it; resolves undefined when `take` gave none.
   */
  readonly send: (take: () => readonly OutgoingMessage[]) => Promise<number | undefined>;
  /**
   * After a send landed at `actual` instead of `expected`: resolves true if a CLAIM lies in
   * between (another node took the partition over), false if only older-epoch records do.
   */
  readonly gapHasClaim: (expected: number, actual: number) => Promise<boolean>;
  /** A send was acknowledged and checked: its messages are at `base`, `base + 1`, … */
  readonly onAcknowledged: (base: number, values: readonly Buffer[]) => void;
  /** The writer stopped for good, `fenced` or after a `failed` send. Called once. */
  readonly onStopped: (error: CoordinatorError, reason: 'fenced' | 'failed') => void;
}

interface Pending {
  readonly messages: OutgoingMessage[];
  readonly bytes: number;
  readonly resolve: (positions: readonly number[]) => void;
  readonly reject: (error: unknown) => void;
}

/** One send stays well below the broker's default `max.message.bytes` (1 MiB). */
const maxSendBytes = 512 * 1024;

/**
 * Appends to one partition under one CLAIM (its epoch), single-writer fenced. Appends made while
 * a send is waiting or in flight share the next send, one produce batch that Kafka appends
 * atomically; there is no linger: an idle writer sends at once. At most one send is in flight,
 * so positions follow call order.
 *
 * After each send the base offset must be the one expected (the offset after this writer's last
 * record). When it is not, the records in the gap decide: a CLAIM there means another node owns
 * the partition, and this append and every later one fail with `FENCED`; a gap holding only
 * older-epoch records (a fenced node's late write, which replay skips) leaves this append valid.
 * A failed send stops the writer too (its records may or may not have landed; replay decides).
 */
export class PartitionWriter {
  readonly #config: PartitionWriterConfig;
  readonly epoch: number;
  #expected: number;
  #queue: Pending[] = [];
  #sending = false;
  #refusal: CoordinatorError | undefined;
  #idle: (() => void)[] = [];

  private constructor(config: PartitionWriterConfig, epoch: number) {
    this.#config = config;
    this.epoch = epoch;
    this.#expected = epoch + 1;
  }

  /** Appends this node's CLAIM; its offset is the epoch every later append is stamped with. */
  static async claim(config: PartitionWriterConfig, node: string): Promise<PartitionWriter> {
    const key = `claim:${config.partition}`;
    const epoch = await config.send(() => [{ key, value: encodeClaimEnvelope(node) }]);
    return new PartitionWriter(config, epoch as number);
  }

  /** The offset the next append should land at. */
  get expected(): number {
    return this.#expected;
  }

  append(records: readonly LogRecord[]): Promise<readonly number[]> {
    if (this.#refusal) return Promise.reject(this.#refusal);
    if (records.length === 0) return Promise.resolve([]);
    let messages: OutgoingMessage[];
    try {
      messages = records.map((record) => ({
        key: record.id,
        value: encodeRecordEnvelope(record, this.epoch),
      }));
    } catch (error) {
      return Promise.reject(error);
    }
    const bytes = messages.reduce((sum, m) => sum + m.value.length + m.key.length, 0);
    return new Promise((resolve, reject) => {
      this.#queue.push({ messages, bytes, resolve, reject });
      this.#flush();
    });
  }

  /**
   * Refuses every later append with `error`, and the ones not yet sent; the send in flight
   * completes. Idempotent (the first error stays).
   */
  refuse(error: CoordinatorError): void {
    this.#refusal ??= error;
    for (const pending of this.#queue.splice(0)) pending.reject(this.#refusal);
    if (!this.#sending) this.#settle();
  }

  /** No send in flight and none waiting. */
  get idle(): boolean {
    return !this.#sending && this.#queue.length === 0;
  }

  /** Resolves once no send is in flight and none is waiting. */
  whenIdle(): Promise<void> {
    if (!this.#sending && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #flush(): void {
    if (this.#sending || this.#queue.length === 0 || this.#refusal) return;
    this.#sending = true;
    let batch: Pending[] = [];
    const take = () => {
      batch = this.#take();
      return batch.flatMap((p) => p.messages);
    };
    void this.#send(take, () => batch).finally(() => {
      this.#sending = false;
      if (this.#queue.length > 0 && !this.#refusal) this.#flush();
      else this.#settle();
    });
  }

  /** The waiting appends that fit in one send (at least one), taken off the queue. */
  #take(): Pending[] {
    if (this.#refusal || this.#queue.length === 0) return [];
    let count = 1;
    let bytes = (this.#queue[0] as Pending).bytes;
    while (count < this.#queue.length) {
      bytes += (this.#queue[count] as Pending).bytes;
      if (bytes > maxSendBytes) break;
      count++;
    }
    return this.#queue.splice(0, count);
  }

  async #send(take: () => readonly OutgoingMessage[], taken: () => Pending[]): Promise<void> {
    const { topic, partition } = this.#config;
    const expected = this.#expected;
    let base: number;
    let messages: OutgoingMessage[] = [];
    try {
      const sent = await this.#config.send(take);
      messages = taken().flatMap((p) => p.messages);
      if (sent === undefined) return;
      base = sent;
      if (base !== expected) {
        const claimed = base < expected || (await this.#config.gapHasClaim(expected, base));
        if (claimed) {
          const error = new CoordinatorError(
            'FENCED',
            `Partition ${partition} of ${topic} has another owner: an append expected offset ${expected} but landed at ${base}, past a newer CLAIM; this node no longer owns the partition (epoch ${this.epoch})`,
          );
          this.#stop(taken(), error, 'fenced');
          return;
        }
      }
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      const error = new CoordinatorError(
        'CLOSED',
        `Appending to partition ${partition} of ${topic} failed (${reason}); the partition is given up and claimed afresh, and replay decides whether the records landed`,
        { cause },
      );
      this.#stop(taken(), error, 'failed');
      return;
    }
    this.#expected = base + messages.length;
    this.#config.onAcknowledged(
      base,
      messages.map((m) => m.value),
    );
    let position = base;
    for (const pending of taken()) {
      const positions = pending.messages.map(() => position++);
      pending.resolve(positions);
    }
  }

  #stop(batch: Pending[], error: CoordinatorError, reason: 'fenced' | 'failed'): void {
    const first = !this.#refusal;
    for (const pending of batch) pending.reject(error);
    this.refuse(error);
    if (first) this.#config.onStopped(error, reason);
  }

  #settle(): void {
    if (this.#sending || this.#queue.length > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
