import type { EventLog, LoggedRecord, LogRecord, OwnershipListener } from '@coordinator/core';
import type { Incarnation } from './execution-scope.js';
import { crashedError } from './injected-fault.js';

/** What a crashable log asks of its node. */
export interface CrashHost {
  /** How many more records may be written before the node crashes. */
  room(): number;
  /** `count` records were written (they are durable even if the node crashes right after). */
  wrote(count: number): void;
  /** The node dies now, right after the write that reached the crash point (of which only what
   * fit before it was written). */
  crash(incarnation: Incarnation): void;
}

/** The record counts a run's node crashes at, and how many records it wrote so far. */
export class CrashPoints {
  readonly #points: number[];
  /** Records written, over all incarnations. */
  written = 0;

  constructor(points: readonly number[]) {
    this.#points = [...points].sort((a, b) => a - b);
  }

  /** How many more records may be written before the next crash. */
  room(): number {
    return (this.#points[0] ?? Number.POSITIVE_INFINITY) - this.written;
  }

  /** `count` records were written (crash points they passed are gone). */
  wrote(count: number): void {
    this.written += count;
    while ((this.#points[0] ?? Number.POSITIVE_INFINITY) < this.written) this.#points.shift();
  }

  /** The next crash point was reached: the node dies there. */
  reached(): void {
    this.#points.shift();
  }
}

/**
 * One node incarnation's view of the durable log: it writes through to the log that outlives
 * crashes until the log holds as many records as the next crash point says, then dies before the
 * write is acknowledged, and from then on refuses everything, as a dead process would.
 */
export class CrashableLog implements EventLog {
  readonly #inner: EventLog;
  readonly #host: CrashHost;
  readonly #incarnation: Incarnation;

  constructor(inner: EventLog, host: CrashHost, incarnation: Incarnation) {
    this.#inner = inner;
    this.#host = host;
    this.#incarnation = incarnation;
  }

  own(partitions: number, listener: OwnershipListener): Promise<void> {
    return this.#inner.own(partitions, listener);
  }

  async append(partition: number, records: readonly LogRecord[]): Promise<readonly number[]> {
    this.#alive();
    const room = this.#host.room();
    const kept = records.length < room ? records : records.slice(0, room);
    const written = kept.length > 0 ? this.#inner.append(partition, kept) : Promise.resolve([]);
    this.#host.wrote(kept.length);
    const positions = await written;
    this.#incarnation.recorder.appended(this.#incarnation, kept, positions);
    if (kept.length === room) {
      this.#host.crash(this.#incarnation);
      throw crashedError();
    }
    return positions;
  }

  read(partition: number, from: number): AsyncIterable<readonly LoggedRecord[]> {
    this.#alive();
    return this.#inner.read(partition, from);
  }

  head(partition: number): Promise<number> {
    this.#alive();
    return this.#inner.head(partition);
  }

  loadCheckpoint(partition: number): Promise<number> {
    this.#alive();
    return this.#inner.loadCheckpoint(partition);
  }

  async commitCheckpoint(partition: number, position: number): Promise<void> {
    this.#alive();
    await this.#inner.commitCheckpoint(partition, position);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  #alive(): void {
    if (this.#incarnation.dead) throw crashedError();
  }
}
