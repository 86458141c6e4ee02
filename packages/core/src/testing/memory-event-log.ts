import type { EventLog, LoggedRecord } from '../event-log.js';
import type { LogRecord } from '../records.js';

/**
 * An in-memory {@link EventLog}: appends are immediately "durable". Records are cloned on the way
 * in, as a real log would serialise them. Tests can inspect, cut (a crash at a record boundary)
 * and fail appends.
 */
export class MemoryEventLog implements EventLog {
  readonly #partitions = new Map<number, LogRecord[]>();
  /** Per partition, every committed checkpoint with the partition's length when it was made. */
  readonly #checkpoints = new Map<number, { position: number; length: number }[]>();
  /** Called before each append; throw from it to make the append fail. */
  beforeAppend: ((partition: number, records: readonly LogRecord[]) => void) | undefined;

  #records(partition: number): LogRecord[] {
    let records = this.#partitions.get(partition);
    if (!records) {
      records = [];
      this.#partitions.set(partition, records);
    }
    return records;
  }

  async append(partition: number, records: readonly LogRecord[]): Promise<readonly number[]> {
    this.beforeAppend?.(partition, records);
    const log = this.#records(partition);
    return records.map((record) => log.push(structuredClone(record)) - 1);
  }

  async *read(partition: number, from: number): AsyncIterable<readonly LoggedRecord[]> {
    const log = this.#records(partition);
    const end = log.length;
    for (let start = Math.max(0, from); start < end; start += 1024) {
      yield this.records(partition, start, Math.min(end, start + 1024));
    }
  }

  async head(partition: number): Promise<number> {
    return this.#records(partition).length;
  }

  async loadCheckpoint(partition: number): Promise<number> {
    return this.#checkpoints.get(partition)?.at(-1)?.position ?? 0;
  }

  async commitCheckpoint(partition: number, position: number): Promise<void> {
    const history = this.#checkpoints.get(partition) ?? [];
    history.push({ position, length: this.#records(partition).length });
    this.#checkpoints.set(partition, history);
  }

  /** The partitions that hold records. */
  partitions(): number[] {
    return [...this.#partitions.keys()].sort((a, b) => a - b);
  }

  /** A partition's records with their positions, cloned. */
  records(partition: number, from = 0, to?: number): LoggedRecord[] {
    return this.#records(partition)
      .slice(from, to)
      .map((record, i) => ({ position: from + i, record: structuredClone(record) }));
  }

  /** Every record of every partition, in partition then position order. */
  all(): LogRecord[] {
    return this.partitions().flatMap((p) => this.records(p).map((r) => r.record));
  }

  /**
   * A copy holding the first `length` records of `partition` and the checkpoints committed before
   * record `length` was appended: the log as a crash at that boundary leaves it.
   */
  cut(partition: number, length: number): MemoryEventLog {
    const copy = new MemoryEventLog();
    for (const p of this.partitions()) {
      const records = this.#records(p);
      copy.#partitions.set(
        p,
        structuredClone(p === partition ? records.slice(0, length) : records),
      );
    }
    for (const [p, history] of this.#checkpoints) {
      copy.#checkpoints.set(
        p,
        p === partition ? history.filter((c) => c.length <= length) : [...history],
      );
    }
    return copy;
  }
}
