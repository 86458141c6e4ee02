// Longer than ~300 lines: one service's archive keeps its segments, key window and facts in one
// state that writing, reading, trimming and opening all change together; split apart, each part
// would reach into the others' fields.
import { type FileHandle, mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  CoordinatorError,
  idempotencyKey,
  type OutcomeRecord,
  type OutcomeRetention,
} from '@coordinator/core';
import { type ArchiveItem, decodeEntry } from './archive-entry.js';
import { syncDirectory, temporarySuffix } from './durable-fs.js';
import { frameHeaderBytes, writeFrame } from './frame.js';
import { readFrames } from './partition-reader.js';
import type { PartitionSnapshot } from './partition-writer.js';
import { Segment } from './segment.js';
import { createSegmentFile, parseSegmentName, segmentHeaderBytes } from './segment-file.js';
import { SegmentScanner } from './segment-scanner.js';

export interface ServiceArchiveConfig {
  readonly dir: string;
  readonly service: string;
  readonly segmentBytes: number;
  readonly sync: boolean;
}

/** One entry read back, with its position in the service's archive. */
export interface PositionedEntry {
  readonly position: number;
  readonly entry: OutcomeRecord;
}

/** What a segment holds, for retention: its size and its newest entry's time. */
interface SegmentFacts {
  bytes: number;
  newest: number;
}

/**
 * One service's Outcomes: segment files of checksummed frames (the log's format, positions
 * counting entries), appended in log order, read by position, one entry per idempotency key (a
 * key already among the last two segments' entries is dropped: a window, so memory and the
 * open's scan stay bounded by two segments, however much is kept), and trimmed by whole sealed
 * segments under the service's retention.
 * The {@link OutcomeArchive} serialises writes and trims; reads run alongside them.
 */
export class ServiceArchive {
  readonly service: string;
  readonly #config: ServiceArchiveConfig;
  readonly #segments: Segment[] = [];
  /** Facts of the segments scanned so far (the others' are found when retention asks). */
  readonly #facts = new Map<Segment, SegmentFacts>();
  /** The keys of the last two segments' entries: the window a repeated key is looked up in. */
  readonly #keys = new Set<string>();
  readonly #window = new Map<Segment, string[]>();
  #end = 0;
  #tailBytes = 0;
  #handle: FileHandle | undefined;
  #made = false;
  /** The oldest entry, as last read (valid while it is still the first kept). */
  #oldest: PositionedEntry | undefined;

  private constructor(config: ServiceArchiveConfig) {
    this.#config = config;
    this.service = config.service;
  }

  /**
   * Opens the archive in `config.dir` (it may not exist yet), keeping the entries below `end`
   * (the manifest's durable end) and cutting off any after it: those were written after the last
   * manifest and are archived again from the log.
   * @throws CoordinatorError `LOG_CORRUPT` when an entry below `end` is damaged or missing.
   */
  static async open(config: ServiceArchiveConfig, end: number): Promise<ServiceArchive> {
    const archive = new ServiceArchive(config);
    let names: string[];
    try {
      names = await readdir(config.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return archive;
      throw error;
    }
    archive.#made = true;
    const segments: Segment[] = [];
    for (const name of names) {
      if (name.endsWith(temporarySuffix)) await unlink(join(config.dir, name));
      const base = parseSegmentName(name);
      if (base !== undefined) segments.push(new Segment(base, join(config.dir, name)));
    }
    segments.sort((a, b) => a.base - b.base);
    for (const segment of segments) {
      if (segment.base >= end) {
        await unlink(segment.path);
        continue;
      }
      archive.#segments.push(segment);
    }
    // Only the last two segments are scanned: the last for its end (cut at the manifest's), both
    // for the keys of the window; older ones are checked as they are read.
    const kept = archive.#segments;
    for (const segment of kept.slice(-2)) await archive.#load(segment, end);
    if (kept.length > 0 && archive.#end !== end) {
      throw new CoordinatorError(
        'LOG_CORRUPT',
        `Outcome archive ${config.dir} ends at entry ${archive.#end}; its manifest says ${end}`,
      );
    }
    if (config.sync && segments.length !== kept.length) await syncDirectory(config.dir);
    return archive;
  }

  /** Scans a segment: its keys (into the window) and facts; one holding `end` is cut there. */
  async #load(segment: Segment, end: number): Promise<void> {
    const keys: string[] = [];
    const facts: SegmentFacts = { bytes: segmentHeaderBytes, newest: 0 };
    this.#end = segment.base;
    const scanner = await SegmentScanner.open(segment, segment.base);
    try {
      for (;;) {
        const { frames, stop } = await scanner.next(1024);
        for (const frame of frames) {
          if (frame.position >= end) break;
          const entry = decodeEntry(frame.payload, `${segment.path} offset ${frame.offset}`);
          keys.push(idempotencyKey(entry.id, entry.step));
          facts.newest = Math.max(facts.newest, entry.at);
          facts.bytes = frame.offset + frameHeaderBytes + frame.payload.length;
          this.#end = frame.position + 1;
        }
        if (stop || this.#end >= end) break;
      }
    } finally {
      await scanner.close();
    }
    if (this.#end >= end && facts.bytes < scanner.end) {
      const handle = await open(segment.path, 'r+');
      try {
        await handle.truncate(facts.bytes);
        if (this.#config.sync) await handle.datasync();
      } finally {
        await handle.close();
      }
    }
    this.#facts.set(segment, facts);
    this.#window.set(segment, keys);
    for (const key of keys) this.#keys.add(key);
    this.#tailBytes = facts.bytes;
  }

  /** A segment's facts, scanning it the first time they are asked for. */
  async #factsOf(segment: Segment): Promise<SegmentFacts> {
    const known = this.#facts.get(segment);
    if (known) return known;
    const facts: SegmentFacts = { bytes: (await stat(segment.path)).size, newest: 0 };
    for await (const batch of this.read(segment.base)) {
      for (const { entry } of batch) facts.newest = Math.max(facts.newest, entry.at);
      if ((batch.at(-1)?.position ?? 0) + 1 >= this.#nextBase(segment)) break;
    }
    this.#facts.set(segment, facts);
    return facts;
  }

  /** The base of the segment after `segment` (the end for the last one). */
  #nextBase(segment: Segment): number {
    return this.#segments[this.#segments.indexOf(segment) + 1]?.base ?? this.#end;
  }

  /** Forgets a segment's keys (it left the window, or retention dropped it). */
  #forget(segment: Segment): void {
    for (const key of this.#window.get(segment) ?? []) this.#keys.delete(key);
    this.#window.delete(segment);
  }

  /** The position after the last durable entry. */
  get end(): number {
    return this.#end;
  }

  /** The first position still kept (entries below it were dropped by retention). */
  get first(): number {
    return this.#segments[0]?.base ?? this.#end;
  }

  /** Whether retention ever dropped an entry. */
  get trimmed(): boolean {
    return this.first > 0;
  }

  /**
   * Appends the items (those whose key is new) and makes them durable. Fail-stop: after a
   * failed write the archive's state on disk is unknown; the caller stops using it.
   */
  async write(items: readonly ArchiveItem[]): Promise<void> {
    const payloads: Uint8Array[] = [];
    const keys: string[] = [];
    let bytes = 0;
    let newest = 0;
    for (const item of items) {
      if (this.#keys.has(item.key)) continue;
      this.#keys.add(item.key);
      keys.push(item.key);
      payloads.push(item.bytes);
      bytes += frameHeaderBytes + item.bytes.length;
      newest = Math.max(newest, item.at);
    }
    if (payloads.length === 0) return;
    const buffer = Buffer.allocUnsafe(bytes);
    const offsets: number[] = [];
    let used = 0;
    for (const payload of payloads) {
      offsets.push(used);
      used = writeFrame(buffer, used, payload);
    }
    const tail = this.#segments.at(-1);
    const full =
      tail === undefined ||
      (this.#tailBytes > segmentHeaderBytes && this.#tailBytes + bytes > this.#config.segmentBytes);
    if (full) await this.#roll();
    const segment = this.#segments.at(-1) as Segment;
    this.#handle ??= await open(segment.path, 'r+');
    for (let written = 0; written < bytes; ) {
      const at = this.#tailBytes + written;
      written += (await this.#handle.write(buffer, written, bytes - written, at)).bytesWritten;
    }
    if (this.#config.sync) await this.#handle.datasync();
    for (let i = 0; i < offsets.length; i++) {
      segment.note(this.#end + i, this.#tailBytes + (offsets[i] as number));
    }
    // A loop, not push(...keys): a recovery's batch can hold more keys than a call has arguments.
    const window = this.#window.get(segment);
    if (window) for (const key of keys) window.push(key);
    const facts = this.#facts.get(segment) as SegmentFacts;
    facts.bytes += bytes;
    facts.newest = Math.max(facts.newest, newest);
    this.#tailBytes += bytes;
    this.#end += payloads.length;
  }

  async #roll(): Promise<void> {
    await this.#handle?.close();
    this.#handle = undefined;
    const { dir, sync } = this.#config;
    if (!this.#made) {
      await mkdir(dir, { recursive: true });
      if (sync) await syncDirectory(dirname(dir));
      this.#made = true;
    }
    const segment = new Segment(this.#end, await createSegmentFile(dir, this.#end, sync));
    this.#segments.push(segment);
    this.#facts.set(segment, { bytes: segmentHeaderBytes, newest: 0 });
    this.#window.set(segment, []);
    // The window is the last two segments: the one before the previous tail leaves it.
    const leaving = this.#segments.at(-3);
    if (leaving) this.#forget(leaving);
    this.#tailBytes = segmentHeaderBytes;
  }

  /** The entries from `from` (clamped to the first kept) to the durable end, in batches. */
  async *read(from: number): AsyncGenerator<PositionedEntry[]> {
    const snapshot: PartitionSnapshot = {
      segments: [...this.#segments],
      end: this.#end,
      tailBytes: this.#tailBytes,
    };
    const start = Math.max(from, snapshot.segments[0]?.base ?? 0);
    for await (const { segment, frames } of readFrames(snapshot, start)) {
      yield frames.map((frame) => ({
        position: frame.position,
        entry: decodeEntry(frame.payload, `${segment.path} offset ${frame.offset}`),
      }));
    }
  }

  /** The oldest entry kept, or undefined when there is none. */
  async oldest(): Promise<PositionedEntry | undefined> {
    const cached = this.#oldest;
    if (cached?.position === this.first) return cached;
    for await (const batch of this.read(this.first)) {
      this.#oldest = batch[0];
      return batch[0];
    }
    return undefined;
  }

  /**
   * Drops the oldest sealed segments that `retention` no longer keeps (by size: while the
   * archive is larger; by age: while a segment's newest entry is older than `now - ms`).
   * Returns the files deleted.
   */
  async trim(retention: OutcomeRetention, now: number): Promise<string[]> {
    const deleted: string[] = [];
    let total = 0;
    if (retention.kind === 'size') {
      for (const segment of this.#segments) total += (await this.#factsOf(segment)).bytes;
    }
    while (this.#segments.length > 1) {
      const segment = this.#segments[0] as Segment;
      const facts = await this.#factsOf(segment);
      const drop =
        retention.kind === 'size'
          ? total > retention.bytes
          : retention.kind === 'age' && facts.newest < now - retention.ms;
      if (!drop) break;
      this.#forget(segment);
      this.#segments.shift();
      this.#facts.delete(segment);
      total -= facts.bytes;
      await unlink(segment.path);
      deleted.push(segment.path);
    }
    if (deleted.length > 0 && this.#config.sync) await syncDirectory(this.#config.dir);
    return deleted;
  }

  async close(): Promise<void> {
    await this.#handle?.close();
    this.#handle = undefined;
  }
}
