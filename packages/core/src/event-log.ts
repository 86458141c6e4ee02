import type { LogRecord } from './records.js';

/** A record with the position the log gave it. Positions grow with every record of a partition (by one in the file log; Kafka offsets may skip). */
export interface LoggedRecord {
  readonly position: number;
  readonly record: LogRecord;
}

/**
 * The durable, ordered, per-partition log: the only state coordinator keeps. Adapters: the file
 * log and Kafka (in `@coordinator/node`), and `MemoryEventLog` from `@coordinator/core/testing`.
 */
export interface EventLog {
  /** Appends records in order; resolves with their positions once they are durable. */
  append(partition: number, records: readonly LogRecord[]): Promise<readonly number[]>;
  /** Every record from `from` (inclusive) to the end as it stands now, in batches. */
  read(partition: number, from: number): AsyncIterable<readonly LoggedRecord[]>;
  /**
   * The position after the partition's last record as it stands now (0 when empty): with the
   * checkpoint, how much a replay reads (an estimate where positions skip, as Kafka offsets do).
   */
  head(partition: number): Promise<number>;
  /** The last committed checkpoint, or 0 when there is none. */
  loadCheckpoint(partition: number): Promise<number>;
  /** Durably records that replay may start at `position`. */
  commitCheckpoint(partition: number, position: number): Promise<void>;
}
