import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { CoordinatorError, LoggedRecord, LogRecord } from '@coordinator/core';
import { readCheckpoint, writeCheckpoint } from './checkpoint-file.js';
import { syncDirectory } from './durable-fs.js';
import type { FileLogEvent } from './file-log-event.js';
import type { FileLogOptions } from './file-log-options.js';
import { readPartition } from './partition-reader.js';
import { recoverPartition } from './partition-recovery.js';
import {
  type PartitionSnapshot,
  PartitionWriter,
  type PartitionWriterConfig,
} from './partition-writer.js';

export interface PartitionConfig {
  readonly root: string;
  readonly partition: number;
  readonly options: FileLogOptions;
  readonly onFailure: (error: CoordinatorError) => void;
  /** The position below which retention may delete segments besides the checkpoint's. */
  readonly keepFrom: () => number;
  /** The outcome archive's feed (see `PartitionWriterConfig.onDurable`). */
  readonly onDurable?: PartitionWriterConfig['onDurable'];
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** The directory of a partition inside the data directory. */
function partitionDirName(partition: number): string {
  return `partition-${partition}`;
}

/** Parses a partition directory's name; undefined for any other entry. */
export function parsePartitionDirName(name: string): number | undefined {
  const match = /^partition-(0|[1-9]\d*)$/.exec(name);
  const partition = match ? Number(match[1]) : Number.NaN;
  return Number.isSafeInteger(partition) ? partition : undefined;
}

/**
 * One partition: its appends (through a {@link PartitionWriter}), reads, checkpoint and segment
 * retention. Checkpoint commits run one at a time; commits made while one runs are merged into
 * the next write, which stores the latest.
 */
export class PartitionLog {
  readonly #config: PartitionConfig;
  readonly #dir: string;
  readonly #writer: PartitionWriter;
  #directory: Promise<string> | undefined;
  #checkpoint: number | undefined;
  #wanted = 0;
  #commitWaiters: Waiter[] = [];
  #committing: Promise<void> | undefined;

  private constructor(config: PartitionConfig, exists: boolean, snapshot?: PartitionSnapshot) {
    this.#config = config;
    this.#dir = join(config.root, partitionDirName(config.partition));
    if (exists) this.#directory = Promise.resolve(this.#dir);
    const { options } = config;
    this.#writer = new PartitionWriter(
      {
        partition: config.partition,
        segmentBytes: options.segmentBytes,
        sync: options.sync === 'data',
        directory: () => this.#ensureDirectory(),
        onFailure: config.onFailure,
        onDurable: config.onDurable,
      },
      snapshot ?? { segments: [], end: 0, tailBytes: 0 },
    );
  }

  /** A partition whose directory exists: recovered first. */
  static async recover(config: PartitionConfig): Promise<PartitionLog> {
    const { options, partition } = config;
    const dir = join(config.root, partitionDirName(partition));
    const snapshot = await recoverPartition(dir, {
      partition,
      sync: options.sync === 'data',
      verifyAll: options.verifyOnOpen === 'all',
      onEvent: options.onEvent,
    });
    return new PartitionLog(config, true, snapshot);
  }

  /** A partition with nothing on disk yet; its directory is made by its first write. */
  static empty(config: PartitionConfig): PartitionLog {
    return new PartitionLog(config, false);
  }

  append(records: readonly LogRecord[]): Promise<readonly number[]> {
    return this.#writer.append(records);
  }

  read(from: number): AsyncGenerator<LoggedRecord[]> {
    return readPartition(this.#writer.snapshot(), from);
  }

  /** The first position the partition still holds (segments below it were deleted). */
  first(): number {
    return this.#writer.snapshot().segments[0]?.base ?? 0;
  }

  /** The position after the last acknowledged record. */
  head(): number {
    return this.#writer.snapshot().end;
  }

  async loadCheckpoint(): Promise<number> {
    this.#checkpoint ??= await readCheckpoint(this.#dir);
    return this.#checkpoint;
  }

  commitCheckpoint(position: number): Promise<void> {
    this.#wanted = position;
    const done = new Promise<void>((resolve, reject) => {
      this.#commitWaiters.push({ resolve, reject });
    });
    this.#committing ??= this.#commitLoop();
    return done;
  }

  async close(): Promise<void> {
    await this.#committing;
    await this.#writer.close();
  }

  async #commitLoop(): Promise<void> {
    const { options } = this.#config;
    const sync = options.sync === 'data';
    while (this.#commitWaiters.length > 0) {
      const waiters = this.#commitWaiters;
      this.#commitWaiters = [];
      const position = this.#wanted;
      try {
        const dir = await this.#ensureDirectory();
        await writeCheckpoint(dir, position, sync);
        this.#checkpoint = position;
        if (options.retainSegments === 'from-checkpoint') {
          await this.#deleteBelow(Math.min(position, this.#config.keepFrom()));
        }
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
        continue;
      }
      for (const waiter of waiters) waiter.resolve();
    }
    this.#committing = undefined;
  }

  async #deleteBelow(position: number): Promise<void> {
    const dropped = this.#writer.dropSegmentsBelow(position);
    if (dropped.length === 0) return;
    for (const segment of dropped) {
      await unlink(segment.path);
      this.#config.options.onEvent({
        type: 'file-log.segment-deleted',
        partition: this.#config.partition,
        file: segment.path,
      } satisfies FileLogEvent);
    }
    if (this.#config.options.sync === 'data') await syncDirectory(this.#dir);
  }

  #ensureDirectory(): Promise<string> {
    this.#directory ??= (async () => {
      await mkdir(this.#dir, { recursive: true });
      if (this.#config.options.sync === 'data') await syncDirectory(this.#config.root);
      return this.#dir;
    })();
    return this.#directory;
  }
}
