import { CoordinatorError } from '../errors.js';
import type { EventLog, LoggedRecord, OwnershipListener } from '../event-log.js';
import type { LogRecord } from '../records.js';

/** The platform's deep copy (every JavaScript runtime has it; the core compiles without Node's types). */
declare function structuredClone<T>(value: T): T;

export interface MemoryEventLogOptions {
  /**
   * The partitions this node owns once `own` is called. @default all of them (a log on one
   * machine); `[]` makes it behave like a cluster node waiting for `assign`.
   */
  readonly owned?: readonly number[];
}

/**
 * An in-memory {@link EventLog}: appends are immediately "durable". Records are cloned on the way
 * in, as a real log would serialise them. Tests can inspect, cut (a crash at a record boundary),
 * fail appends, and move partitions as a cluster would (`assign`, `revoke`, `fence`).
 */
export class MemoryEventLog implements EventLog {
  readonly #partitions = new Map<number, LogRecord[]>();
  /** Per partition, every committed checkpoint with the partition's length when it was made. */
  readonly #checkpoints = new Map<number, { position: number; length: number }[]>();
  readonly #initiallyOwned: readonly number[] | undefined;
  readonly #owned = new Set<number>();
  readonly #fenced = new Set<number>();
  #listener: OwnershipListener | undefined;
  #count = 0;
  #closed = false;
  /** Called before each append; throw from it to make the append fail. */
  beforeAppend: ((partition: number, records: readonly LogRecord[]) => void) | undefined;

  constructor(options: MemoryEventLogOptions = {}) {
    this.#initiallyOwned = options.owned;
  }

  async own(partitions: number, listener: OwnershipListener): Promise<void> {
    this.#check();
    if (this.#listener) {
      throw new CoordinatorError('INVALID_OPTION', 'MemoryEventLog.own was already called');
    }
    this.#listener = listener;
    this.#count = partitions;
    const owned = this.#initiallyOwned ?? Array.from({ length: partitions }, (_, i) => i);
    for (const partition of owned) await this.assign(partition);
  }

  /** Gives this node `partition` (as a cluster's rebalance would); resolves once it is recovered. */
  async assign(partition: number): Promise<void> {
    const listener = this.#listener;
    if (!listener || this.#owned.has(partition) || this.#closed) return;
    this.#owned.add(partition);
    this.#fenced.delete(partition);
    await listener.assigned(partition);
  }

  /** Takes `partition` away (a rebalance): appends get `NOT_OWNER`, the listener hears of it. */
  revoke(partition: number): void {
    if (!this.#owned.delete(partition)) return;
    this.#listener?.revoked(partition);
  }

  /** Another writer took `partition` over behind this node's back: appends get `FENCED`. */
  fence(partition: number): void {
    if (!this.#owned.has(partition)) return;
    this.#fenced.add(partition);
    this.revoke(partition);
  }

  /** The partitions owned now, ascending. */
  owned(): number[] {
    return [...this.#owned].sort((a, b) => a - b);
  }

  async append(partition: number, records: readonly LogRecord[]): Promise<readonly number[]> {
    this.#check(partition);
    this.beforeAppend?.(partition, records);
    const log = this.#records(partition);
    return records.map((record) => log.push(structuredClone(record)) - 1);
  }

  async *read(partition: number, from: number): AsyncIterable<readonly LoggedRecord[]> {
    this.#check();
    const log = this.#records(partition);
    const end = log.length;
    for (let start = Math.max(0, from); start < end; start += 1024) {
      yield this.records(partition, start, Math.min(end, start + 1024));
    }
  }

  async head(partition: number): Promise<number> {
    this.#check();
    return this.#records(partition).length;
  }

  async loadCheckpoint(partition: number): Promise<number> {
    this.#check();
    return this.#checkpoints.get(partition)?.at(-1)?.position ?? 0;
  }

  async commitCheckpoint(partition: number, position: number): Promise<void> {
    this.#check(partition);
    const history = this.#checkpoints.get(partition) ?? [];
    history.push({ position, length: this.#records(partition).length });
    this.#checkpoints.set(partition, history);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listener = undefined;
    this.#owned.clear();
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
   * The same records and checkpoints opened afresh, as a restarted node opens its data: the new
   * log shares this one's storage and owns nothing until `own`; this one is closed.
   */
  reopen(): MemoryEventLog {
    const next = new MemoryEventLog(this.#initiallyOwned ? { owned: this.#initiallyOwned } : {});
    for (const [p, records] of this.#partitions) next.#partitions.set(p, records);
    for (const [p, history] of this.#checkpoints) next.#checkpoints.set(p, history);
    void this.close();
    return next;
  }

  /**
   * A copy holding the first `length` records of `partition` and the checkpoints committed before
   * record `length` was appended: the log as a crash at that boundary leaves it. The copy is not
   * owning yet (call `own`).
   */
  cut(partition: number, length: number): MemoryEventLog {
    const copy = new MemoryEventLog(this.#initiallyOwned ? { owned: this.#initiallyOwned } : {});
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

  #records(partition: number): LogRecord[] {
    let records = this.#partitions.get(partition);
    if (!records) {
      records = [];
      this.#partitions.set(partition, records);
    }
    return records;
  }

  /** Refusals, in the order a real log checks: closed, bad partition, not owned, fenced. */
  #check(partition?: number): void {
    if (this.#closed) throw new CoordinatorError('CLOSED', 'The memory log is closed');
    if (partition === undefined) return;
    if (!Number.isSafeInteger(partition) || partition < 0) {
      throw new CoordinatorError(
        'INVALID_OPTION',
        `Expected a partition from 0 and up, got ${partition}`,
      );
    }
    if (!this.#listener) return;
    if (partition >= this.#count) {
      throw new CoordinatorError(
        'INVALID_OPTION',
        `Expected a partition from 0 to ${this.#count - 1}, got ${partition}`,
      );
    }
    if (this.#fenced.has(partition)) {
      throw new CoordinatorError('FENCED', `Partition ${partition} has another writer now`);
    }
    if (!this.#owned.has(partition)) {
      throw new CoordinatorError('NOT_OWNER', `This node does not own partition ${partition}`);
    }
  }
}
