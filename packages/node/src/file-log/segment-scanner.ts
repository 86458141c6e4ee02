import { type FileHandle, open } from 'node:fs/promises';
import { checkFrame, frameHeaderBytes } from './frame.js';
import type { Segment } from './segment.js';
import { checkSegmentHeader, segmentHeaderBytes } from './segment-file.js';

const chunkBytes = 256 * 1024;

/** Why a scan stopped: the byte bound, or a frame that is cut short or fails its checksum. */
export interface ScanStop {
  readonly reason: 'end' | 'incomplete' | 'checksum';
  readonly offset: number;
}

export interface ScannedFrame {
  readonly position: number;
  readonly offset: number;
  /** Valid until the next call to {@link SegmentScanner.next}. */
  readonly payload: Buffer;
}

/**
 * Reads a segment's frames in chunks between a start offset and a byte bound, checking each
 * frame's checksum and feeding the segment's sparse index as it goes.
 */
export class SegmentScanner {
  readonly #segment: Segment;
  readonly #handle: FileHandle;
  readonly #end: number;
  #buffer: Buffer;
  #offset: number;
  #position: number;
  #stop: ScanStop | undefined;

  private constructor(segment: Segment, handle: FileHandle, end: number, from: number) {
    const start = segment.seek(from);
    this.#segment = segment;
    this.#handle = handle;
    this.#end = end;
    this.#offset = start.offset;
    this.#position = start.position;
    this.#buffer = Buffer.allocUnsafe(chunkBytes);
  }

  /**
   * Opens a scanner starting at the indexed record nearest before `from`, after checking the
   * segment's header. `end` bounds the bytes read; by default the file's size now.
   * @throws CoordinatorError `LOG_CORRUPT` when the header is damaged.
   */
  static async open(segment: Segment, from: number, end?: number): Promise<SegmentScanner> {
    const handle = await open(segment.path, 'r');
    try {
      const header = Buffer.alloc(segmentHeaderBytes);
      const { bytesRead } = await handle.read(header, 0, segmentHeaderBytes, 0);
      checkSegmentHeader(header.subarray(0, bytesRead), segment.base, segment.path);
      const bound = end ?? (await handle.stat()).size;
      return new SegmentScanner(segment, handle, bound, from);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** The offset just after the last frame returned. */
  get offset(): number {
    return this.#offset;
  }

  /** The byte bound of the scan. */
  get end(): number {
    return this.#end;
  }

  /** The position of the next frame. */
  get position(): number {
    return this.#position;
  }

  /** The next frames (at most `limit`), and why the scan stopped once it has. */
  async next(limit: number): Promise<{ frames: ScannedFrame[]; stop: ScanStop | undefined }> {
    const frames: ScannedFrame[] = [];
    while (frames.length === 0 && this.#stop === undefined) {
      const want = Math.min(this.#buffer.length, this.#end - this.#offset);
      if (want <= 0) {
        this.#stop = { reason: 'end', offset: this.#offset };
        break;
      }
      const { bytesRead } = await this.#handle.read(this.#buffer, 0, want, this.#offset);
      const fileEnded = bytesRead < want || this.#offset + bytesRead >= this.#end;
      this.#parse(bytesRead, fileEnded, limit, frames);
    }
    return { frames, stop: this.#stop };
  }

  #parse(available: number, fileEnded: boolean, limit: number, frames: ScannedFrame[]): void {
    const buffer = this.#buffer;
    let at = 0;
    while (frames.length < limit) {
      if (at === available && fileEnded) {
        this.#stop = { reason: 'end', offset: this.#offset };
        break;
      }
      const check = checkFrame(buffer, at, available);
      if (check.kind === 'checksum') {
        this.#stop = { reason: 'checksum', offset: this.#offset };
        break;
      }
      if (check.kind === 'incomplete') {
        const needed =
          available - at >= frameHeaderBytes ? frameHeaderBytes + buffer.readUInt32LE(at + 4) : 0;
        if (fileEnded || this.#offset + needed > this.#end) {
          this.#stop = { reason: 'incomplete', offset: this.#offset };
        } else if (at === 0) {
          this.#buffer = Buffer.allocUnsafe(Math.max(needed, chunkBytes));
        }
        break;
      }
      const next = at + frameHeaderBytes + check.length;
      this.#segment.note(this.#position, this.#offset);
      frames.push({
        position: this.#position,
        offset: this.#offset,
        payload: buffer.subarray(at + frameHeaderBytes, next),
      });
      this.#position += 1;
      this.#offset += next - at;
      at = next;
    }
  }

  async close(): Promise<void> {
    await this.#handle.close();
  }
}
