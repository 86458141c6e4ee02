import type { LogRecord } from './records.js';

/** A record with the position the log gave it. Positions grow with every record of a partition (by one in the file log; Kafka offsets may skip). */
export interface LoggedRecord {
  readonly position: number;
  readonly record: LogRecord;
}

/** Told which partitions this node owns, as that changes. The Driver is the listener. */
export interface OwnershipListener {
  /** This node owns `partition` now: replay it and resume its Commands; resolves when done. */
  assigned(partition: number): Promise<void>;
  /** `partition` moved to another node (or the log fenced this one): forget it, write nothing. */
  revoked(partition: number): void;
}

/**
 * The durable, ordered, per-partition log: the only state coordinator keeps, and the arbiter of
 * which node owns which partition. Adapters: the file log and Kafka (in `@coordinator/node`), and
 * `MemoryEventLog` from `@coordinator/core/testing`; `eventLogConformance` from the same subpath
 * checks any adapter against this contract.
 *
 * Errors are `CoordinatorError`s: `NOT_OWNER` for a partition this node does not own, `FENCED`
 * when another writer took it over, `CLOSED` after `close`, `INVALID_OPTION` for a bad partition
 * or position, `LOG_CORRUPT` / `INVALID_RECORD` / `UNSUPPORTED_VERSION` for what cannot be read.
 */
export interface EventLog {
  /**
   * Starts ownership: tells `listener` of every one of the `partitions` partitions this node owns,
   * now and as that changes. A log on one machine owns them all and calls `assigned` for each, in
   * order, before this resolves; a cluster log resolves once it joined its group and calls
   * `assigned` and `revoked` as the group moves partitions.
   * @throws `INVALID_OPTION` when the log holds another partition count, or on a second call.
   */
  own(partitions: number, listener: OwnershipListener): Promise<void>;
  /** Appends records in order; resolves with their positions once they are durable. */
  append(partition: number, records: readonly LogRecord[]): Promise<readonly number[]>;
  /**
   * Every record from `from` (inclusive) to the end as it stands now, in batches. `from` at or
   * past the partition's checkpoint is always served; a log may refuse earlier positions (records
   * before the checkpoint may be gone).
   */
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
  /**
   * Stops ownership (the listener is not called again), waits for appends in flight and releases
   * what the log holds (files, locks, connections). Later calls fail with `CLOSED`. Idempotent.
   */
  close(): Promise<void>;
}
