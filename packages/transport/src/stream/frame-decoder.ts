import { CoordinatorError } from '@coordinator/core';
import { decodeBody } from './wire-codec.js';

/** What `nextValue` returns while no whole frame is buffered. */
export const noFrame: unique symbol = Symbol('noFrame');

/** Bytes of the length prefix before every frame body (unsigned 32-bit, big-endian). */
export const frameHeaderBytes = 4;

/**
 * Splits a byte stream into frame bodies. Pull-based, so a reader that must stop (backpressure)
 * leaves the rest buffered: `push` each chunk, then call `next` until it returns undefined.
 * Complete frames inside one chunk are returned as views of it, without copying; chunks are joined
 * only when a frame spans them, and then once per frame.
 */
export class FrameDecoder {
  readonly #maxFrameBytes: number;
  readonly #chunks: Buffer[] = [];
  #buffered = 0;
  /** Read offset into the first chunk. */
  #offset = 0;
  /** The chunk and offset of the frame `next` returned last. */
  #source: Buffer = Buffer.alloc(0);
  #start = 0;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held that no returned frame covers yet. */
  get buffered(): number {
    return this.#buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /**
   * The next whole frame, decoded; `noFrame` until more bytes arrive.
   * @throws CoordinatorError `FRAME_TOO_LARGE` or `PROTOCOL` (see `next`), and `PROTOCOL` for a
   * body that is not MessagePack.
   */
  nextValue(): unknown {
    const body = this.next();
    if (body === undefined) return noFrame;
    return decodeBody(this.#source, this.#start, this.#start + body.length);
  }

  /**
   * The next whole frame body, or undefined until more bytes arrive.
   * @throws CoordinatorError `FRAME_TOO_LARGE` as soon as a length prefix exceeds the limit, and
   * `PROTOCOL` for an empty frame; the stream cannot be resynchronised after either.
   */
  next(): Buffer | undefined {
    if (this.#buffered < frameHeaderBytes) return undefined;
    let first = this.#chunks[0] as Buffer;
    if (first.length - this.#offset < frameHeaderBytes) first = this.#join();
    const length = first.readUInt32BE(this.#offset);
    if (length > this.#maxFrameBytes) {
      throw new CoordinatorError(
        'FRAME_TOO_LARGE',
        `A frame of ${length} bytes exceeds the limit of ${this.#maxFrameBytes} bytes`,
      );
    }
    if (length === 0) throw new CoordinatorError('PROTOCOL', 'A frame has an empty body');
    const total = frameHeaderBytes + length;
    if (this.#buffered < total) return undefined;
    if (first.length - this.#offset < total) first = this.#join();
    const start = this.#offset + frameHeaderBytes;
    const body = first.subarray(start, start + length);
    this.#source = first;
    this.#start = start;
    this.#offset += total;
    this.#buffered -= total;
    if (this.#offset === first.length) {
      this.#chunks.shift();
      this.#offset = 0;
    }
    return body;
  }

  /** Drops everything buffered. */
  clear(): void {
    this.#chunks.length = 0;
    this.#buffered = 0;
    this.#offset = 0;
  }

  #join(): Buffer {
    const first = this.#chunks[0] as Buffer;
    const rest = this.#chunks.slice(1);
    const joined = Buffer.concat([first.subarray(this.#offset), ...rest], this.#buffered);
    this.#chunks.length = 0;
    this.#chunks.push(joined);
    this.#offset = 0;
    return joined;
  }
}
