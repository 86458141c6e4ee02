import { mkdir, readdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CoordinatorError,
  type EventLog,
  invalidOption,
  type LoggedRecord,
  type LogRecord,
  type OutcomeReader,
  type OwnershipListener,
} from '@coordinator/core';
import { DirectoryLock } from './directory-lock.js';
import { type FileLogInput, type FileLogOptions, fileLogOptions } from './file-log-options.js';
import { type OutcomeArchive, openOutcomeArchive } from './outcome-archive.js';
import { checkPartitionCount } from './partition-count.js';
import { type PartitionConfig, PartitionLog, parsePartitionDirName } from './partition-log.js';

function checkIndex(name: string, value: unknown): CoordinatorError | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return undefined;
  return invalidOption(name, 'an integer from 0 and up', value);
}

/** No records; or, given an error, fails with it on the first step. */
async function* nothing(error?: CoordinatorError): AsyncGenerator<LoggedRecord[]> {
  if (error) throw error;
  yield* [];
}

/**
 * The embedded {@link EventLog}: a directory per partition, checksummed records in segment files,
 * group commit (appends waiting on one write share the next write and `fdatasync`), recovery of
 * a torn tail on open, atomic checkpoints, and a lock so that one process at a time uses the
 * data directory. Appends resolve once durable; reads see acknowledged records.
 *
 * Errors: `FENCED` (another process holds the directory), `LOG_CORRUPT` (damage outside a
 * partition's tail, naming file and offset), `CLOSED` (after {@link FileLog.close} or a failed
 * write), `INVALID_OPTION`, and on read a record's own `INVALID_RECORD` / `UNSUPPORTED_VERSION`.
 *
 * @example
 * const log = await FileLog.open({ dir: './data' });
 * const [position] = await log.append(0, [record]);
 * for await (const batch of log.read(0, await log.loadCheckpoint(0))) replay(batch);
 * await log.close();
 */
export class FileLog implements EventLog {
  readonly #options: FileLogOptions;
  readonly #root: string;
  readonly #lock: DirectoryLock;
  readonly #partitions = new Map<number, PartitionLog>();
  #archive: OutcomeArchive | undefined;
  #closing: Promise<void> | undefined;
  #closed = false;
  #failure: CoordinatorError | undefined;
  /** The partition count `own` was given (fixed per directory); undefined before. */
  #count: number | undefined;

  private constructor(options: FileLogOptions, root: string, lock: DirectoryLock) {
    this.#options = options;
    this.#root = root;
    this.#lock = lock;
  }

  /**
   * Opens (creating if needed) the log in `options.dir`, taking its lock and recovering every
   * partition.
   * @throws CoordinatorError `INVALID_OPTION`, `FENCED`, `LOG_CORRUPT`.
   */
  static async open(input: FileLogInput): Promise<FileLog> {
    const options = fileLogOptions.resolve(input);
    await mkdir(options.dir, { recursive: true });
    const root = await realpath(options.dir);
    const lock = await DirectoryLock.acquire(root, options.onEvent);
    const log = new FileLog(options, root, lock);
    try {
      log.#archive = await openOutcomeArchive({
        ...options,
        dir: join(root, 'outcomes'),
        segmentBytes: options.archiveSegmentBytes,
      });
      for (const name of await readdir(root)) {
        const partition = parsePartitionDirName(name);
        if (partition === undefined) continue;
        log.#partitions.set(partition, await PartitionLog.recover(log.#config(partition)));
      }
      for (const [partition, partitionLog] of log.#partitions) {
        await log.#archive?.recover(partition, partitionLog.first(), (from) =>
          partitionLog.read(from),
        );
      }
    } catch (error) {
      await log.#archive?.close().catch(() => undefined);
      await lock.release();
      throw error;
    }
    options.onEvent({
      type: 'file-log.opened',
      dir: root,
      partitions: log.#partitions.size,
      sync: options.sync,
    });
    return log;
  }

  /**
   * The outcome archive: every acknowledged Outcome per service, for replay (`GET /v1/outcomes`);
   * undefined when every retention is `none`.
   */
  get outcomes(): OutcomeReader | undefined {
    return this.#archive;
  }

  /** The resolved data directory. */
  get dir(): string {
    return this.#root;
  }

  /**
   * This process owns every partition of the directory (the lock says so): checks the partition
   * count against the one the directory was made with, then recovers them in order.
   * @throws CoordinatorError `INVALID_OPTION` for another partition count or a second call.
   */
  async own(partitions: number, listener: OwnershipListener): Promise<void> {
    const refused = this.#refusal();
    if (refused) throw refused;
    if (this.#count !== undefined) {
      throw new CoordinatorError('INVALID_OPTION', 'FileLog.own was already called');
    }
    await checkPartitionCount(this.#root, partitions);
    this.#count = partitions;
    for (let partition = 0; partition < partitions; partition++) {
      await listener.assigned(partition);
    }
  }

  append(partition: number, records: readonly LogRecord[]): Promise<readonly number[]> {
    const refused = this.#refusal() ?? this.#checkPartition(partition);
    if (refused) return Promise.reject(refused);
    return this.#partition(partition).append(records);
  }

  read(partition: number, from: number): AsyncIterable<readonly LoggedRecord[]> {
    const refused =
      this.#refusal() ?? this.#checkPartition(partition) ?? checkIndex('from', Math.max(0, from));
    if (refused) return nothing(refused);
    return this.#partitions.get(partition)?.read(Math.max(0, from)) ?? nothing();
  }

  async head(partition: number): Promise<number> {
    const refused = this.#refusal() ?? this.#checkPartition(partition);
    if (refused) throw refused;
    return this.#partitions.get(partition)?.head() ?? 0;
  }

  async loadCheckpoint(partition: number): Promise<number> {
    const refused = this.#refusal() ?? this.#checkPartition(partition);
    if (refused) throw refused;
    return (await this.#partitions.get(partition)?.loadCheckpoint()) ?? 0;
  }

  async commitCheckpoint(partition: number, position: number): Promise<void> {
    const refused =
      this.#refusal() ?? this.#checkPartition(partition) ?? checkIndex('position', position);
    if (refused) throw refused;
    await this.#partition(partition).commitCheckpoint(position);
  }

  /**
   * Waits for appends and checkpoint commits under way, closes the files and releases the lock.
   * Later calls fail with `CLOSED`. Idempotent.
   */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      try {
        for (const partition of this.#partitions.values()) await partition.close();
        await this.#archive?.close();
      } finally {
        await this.#lock.release();
      }
    })();
    return this.#closing;
  }

  /** A partition index: from 0, and below the count once `own` fixed it. */
  #checkPartition(partition: number): CoordinatorError | undefined {
    const count = this.#count;
    if (count === undefined || !(partition >= count)) return checkIndex('partition', partition);
    return invalidOption('partition', `an integer from 0 to ${count - 1}`, partition);
  }

  #refusal(): CoordinatorError | undefined {
    if (this.#failure) return this.#failure;
    if (this.#closed) {
      return new CoordinatorError('CLOSED', `The file log in ${this.#root} is closed`);
    }
    return undefined;
  }

  #partition(partition: number): PartitionLog {
    let log = this.#partitions.get(partition);
    if (!log) {
      log = PartitionLog.empty(this.#config(partition));
      this.#partitions.set(partition, log);
    }
    return log;
  }

  #config(partition: number): PartitionConfig {
    return {
      root: this.#root,
      partition,
      options: this.#options,
      keepFrom: () => this.#archive?.keepFrom(partition) ?? Number.POSITIVE_INFINITY,
      onDurable: this.#archive?.acknowledged.bind(this.#archive, partition),
      onFailure: (error: CoordinatorError) => {
        this.#failure ??= error;
        this.#options.onEvent({ type: 'file-log.failed', partition, message: error.message });
      },
    };
  }
}
