import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { CoordinatorError, type LogRecord } from '@coordinator/core';
import { type ArchiveItem, archiveItem } from './archive-entry.js';
import { frameHeaderBytes, writeFrame } from './frame.js';
import { encodeRecord } from './record-codec.js';
import { indexInterval, Segment } from './segment.js';
import { createSegmentFile, segmentHeaderBytes } from './segment-file.js';

/** What a read sees: the segments, and the end as acknowledged appends left it. */
export interface PartitionSnapshot {
  readonly segments: readonly Segment[];
  /** The position after the last durable record. */
  readonly end: number;
  /** The durable size of the last segment. */
  readonly tailBytes: number;
}

export interface PartitionWriterConfig {
  readonly partition: number;
  readonly segmentBytes: number;
  readonly sync: boolean;
  /** Creates the partition's directory (once) and returns it. */
  readonly directory: () => Promise<string>;
  /** Called once when a write or sync fails; the writer then refuses everything. */
  readonly onFailure: (error: CoordinatorError) => void;
  /**
   * Given, called after each durable write, before its appends resolve: the position after it and
   * the Outcome records it held, as archive items (the outcome archive's feed).
   */
  readonly onDurable?: ((end: number, items: readonly ArchiveItem[]) => void) | undefined;
}

const initialBufferBytes = 64 * 1024;
const keptBufferBytes = 4 * 1024 * 1024;
const earlyFlushBytes = 16 * 1024;
/**
 * With `O_DSYNC` each write returns once its data is durable, as write + `fdatasync` would, in
 * one system call (one thread-pool round trip). Where the flag does not exist, `fdatasync`.
 */
const dsyncFlag: number | undefined = constants.O_DSYNC;

/**
 * Appends to one partition with group commit. An append encodes its frames into the pending
 * buffer at once (so positions follow call order) and waits. One durable write (`O_DSYNC`, or
 * write + `fdatasync`) carries every append that arrived while the previous write was in
 * progress; with no write in progress, the pending appends go at the end of the current tick, or
 * as soon as 16 KiB are pending, so that writing overlaps the encoding of the appends after them.
 * A write failure stops the writer for good (fail-stop): the file's state is then unknown.
 */
export class PartitionWriter {
  readonly #config: PartitionWriterConfig;
  readonly #segments: Segment[];
  #end: number;
  #tailBytes: number;
  #next: number;
  #handle: FileHandle | undefined;
  #buffer: Buffer = Buffer.allocUnsafe(initialBufferBytes);
  #spare: Buffer | undefined;
  #used = 0;
  /** Pairs (position, offset in the pending buffer) of records the sparse index wants. */
  #marks: number[] = [];
  #resolves: Array<(positions: readonly number[]) => void> = [];
  #rejects: Array<(error: unknown) => void> = [];
  #results: Array<readonly number[]> = [];
  /** The Outcome records of the pending appends, for `onDurable`. */
  #items: ArchiveItem[] = [];
  #flushing = false;
  #scheduled = false;
  #idle: Array<() => void> = [];
  #failure: CoordinatorError | undefined;

  constructor(config: PartitionWriterConfig, recovered: PartitionSnapshot) {
    this.#config = config;
    this.#segments = [...recovered.segments];
    this.#end = recovered.end;
    this.#next = recovered.end;
    this.#tailBytes = recovered.tailBytes;
  }

  snapshot(): PartitionSnapshot {
    return { segments: [...this.#segments], end: this.#end, tailBytes: this.#tailBytes };
  }

  append(records: readonly LogRecord[]): Promise<readonly number[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    const count = records.length;
    if (count === 0) return Promise.resolve([]);
    const used = this.#used;
    const marks = this.#marks.length;
    const items = this.#items.length;
    const first = this.#next;
    const positions = new Array<number>(count);
    const archived = this.#config.onDurable !== undefined;
    try {
      for (let i = 0; i < count; i++) {
        const record = records[i] as LogRecord;
        const payload = encodeRecord(record);
        if (archived && record.kind === 'outcome') this.#items.push(archiveItem(record, payload));
        this.#reserve(frameHeaderBytes + payload.length);
        const position = first + i;
        if (position % indexInterval === 0) this.#marks.push(position, this.#used);
        this.#used = writeFrame(this.#buffer, this.#used, payload);
        positions[i] = position;
      }
    } catch (error) {
      this.#used = used;
      this.#marks.length = marks;
      this.#items.length = items;
      return Promise.reject(error);
    }
    this.#next = first + count;
    const acknowledged = new Promise<readonly number[]>((resolve, reject) => {
      this.#resolves.push(resolve);
      this.#rejects.push(reject);
    });
    this.#results.push(positions);
    if (this.#flushing) return acknowledged;
    // A batch big enough starts now, so its write overlaps the encoding of the appends after it.
    if (this.#used >= earlyFlushBytes) this.#startFlush();
    else this.#schedule();
    return acknowledged;
  }

  /** Removes from the list the segments holding only positions below `position`, oldest first. */
  dropSegmentsBelow(position: number): Segment[] {
    let count = 0;
    while (count + 1 < this.#segments.length) {
      if ((this.#segments[count + 1] as Segment).base > position) break;
      count++;
    }
    return this.#segments.splice(0, count);
  }

  /** Resolves once every append so far is written (or failed); then closes the file. */
  async close(): Promise<void> {
    if (this.#flushing || this.#scheduled || this.#used > 0) {
      await new Promise<void>((resolve) => this.#idle.push(resolve));
    }
    await this.#handle?.close();
    this.#handle = undefined;
  }

  get #openFlags(): number {
    const flags = constants.O_RDWR;
    return this.#config.sync && dsyncFlag !== undefined ? flags | dsyncFlag : flags;
  }

  #reserve(bytes: number): void {
    if (this.#used + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#used + bytes));
    this.#buffer.copy(grown, 0, 0, this.#used);
    this.#buffer = grown;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // After the current microtasks, so the appends their continuations make join this write.
    process.nextTick(this.#flushSoon);
  }

  readonly #flushSoon = (): void => {
    this.#scheduled = false;
    if (!this.#flushing && this.#used > 0 && !this.#failure) this.#startFlush();
    if (!this.#flushing) for (const resolve of this.#idle.splice(0)) resolve();
  };

  #startFlush(): void {
    this.#flushing = true;
    const buffer = this.#buffer;
    const bytes = this.#used;
    const marks = this.#marks;
    const resolves = this.#resolves;
    const rejects = this.#rejects;
    const results = this.#results;
    const items = this.#items;
    this.#buffer = this.#spare ?? Buffer.allocUnsafe(initialBufferBytes);
    this.#spare = undefined;
    this.#used = 0;
    this.#marks = [];
    this.#resolves = [];
    this.#rejects = [];
    this.#results = [];
    this.#items = [];
    this.#write(buffer, bytes, marks).then(
      () => {
        if (buffer.length <= keptBufferBytes) this.#spare = buffer;
        this.#config.onDurable?.(this.#end, items);
        this.#flushing = false;
        // The appends made while this write was in progress share the next one.
        if (this.#used > 0) this.#startFlush();
        for (let i = 0; i < resolves.length; i++) {
          (resolves[i] as (positions: readonly number[]) => void)(results[i] as readonly number[]);
        }
        if (!this.#flushing) this.#schedule();
      },
      (cause: unknown) => this.#fail(cause, rejects),
    );
  }

  /**
   * Writes the frames in `buffer[0, bytes)`: as many as fit into the last segment, then (after
   * that part is synced, so a sealed segment never has a torn tail) the rest into new segments.
   */
  async #write(buffer: Buffer, bytes: number, marks: readonly number[]): Promise<void> {
    const { segmentBytes, sync } = this.#config;
    let start = 0;
    while (start < bytes) {
      if (this.#segments.length === 0) await this.#roll();
      const empty = this.#tailBytes === segmentHeaderBytes;
      let stop = bytes;
      if (this.#tailBytes + bytes - start > segmentBytes) {
        stop = start;
        const room = segmentBytes - this.#tailBytes;
        while (stop < bytes) {
          const next = stop + frameHeaderBytes + buffer.readUInt32LE(stop + 4);
          if (next - start > room && !(empty && stop === start)) break;
          stop = next;
        }
      }
      if (stop === start) {
        await this.#roll();
        continue;
      }
      this.#handle ??= await open((this.#segments.at(-1) as Segment).path, this.#openFlags);
      for (let written = start; written < stop; ) {
        const at = this.#tailBytes + written - start;
        written += (await this.#handle.write(buffer, written, stop - written, at)).bytesWritten;
      }
      if (sync && dsyncFlag === undefined) await this.#handle.datasync();
      const tail = this.#segments.at(-1) as Segment;
      let count = 0;
      for (let at = start; at < stop; at += frameHeaderBytes + buffer.readUInt32LE(at + 4)) count++;
      for (let i = 0; i < marks.length; i += 2) {
        const offset = marks[i + 1] as number;
        if (offset >= start && offset < stop) {
          tail.note(marks[i] as number, this.#tailBytes + offset - start);
        }
      }
      this.#tailBytes += stop - start;
      this.#end += count;
      start = stop;
    }
  }

  /** Seals the last segment (already synced) and starts a new one at the durable end. */
  async #roll(): Promise<void> {
    await this.#handle?.close();
    this.#handle = undefined;
    const dir = await this.#config.directory();
    const path = await createSegmentFile(dir, this.#end, this.#config.sync);
    this.#segments.push(new Segment(this.#end, path));
    this.#tailBytes = segmentHeaderBytes;
  }

  #fail(cause: unknown, rejects: ReadonlyArray<(error: unknown) => void>): void {
    const file = this.#segments.at(-1)?.path ?? `partition ${this.#config.partition}`;
    const reason = cause instanceof Error ? cause.message : String(cause);
    const error = new CoordinatorError(
      'CLOSED',
      `The file log stopped: writing ${file} failed (${reason}); reopen it to recover`,
      { cause },
    );
    this.#failure = error;
    for (const reject of [...rejects, ...this.#rejects.splice(0)]) reject(error);
    this.#resolves = [];
    this.#results = [];
    this.#items = [];
    this.#used = 0;
    this.#flushing = false;
    for (const resolve of this.#idle.splice(0)) resolve();
    this.#config.onFailure(error);
  }
}
