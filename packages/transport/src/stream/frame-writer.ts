import type { Socket } from 'node:net';
import { CoordinatorError } from '@coordinator/core';
import { frameHeaderBytes } from './frame-decoder.js';
import { encodeBody } from './wire-codec.js';

/**
 * Encodes messages into frames and writes everything queued in one tick as one buffer: a burst of
 * replies (or pipelined requests) costs one syscall, not one each.
 */
export class FrameWriter {
  readonly #socket: Socket;
  readonly #onDrain: () => void;
  #bodies: Buffer[] = [];
  #bytes = 0;
  #scheduled = false;
  #blocked = false;
  readonly #flush = () => this.flush();
  /** Largest body the peer reads; set once its hello is known. */
  maxFrameBytes = Number.POSITIVE_INFINITY;

  constructor(socket: Socket, onDrain: () => void = () => {}) {
    this.#socket = socket;
    this.#onDrain = onDrain;
    socket.on('drain', () => {
      this.#blocked = false;
      this.#onDrain();
    });
  }

  /** True while the socket's buffer is over its high-water mark: the peer reads slowly. */
  get blocked(): boolean {
    return this.#blocked;
  }

  /**
   * Queues one message.
   * @throws CoordinatorError `FRAME_TOO_LARGE` when its body exceeds what the peer reads; nothing
   * is queued then.
   */
  write(message: unknown): void {
    const body = encodeBody(message);
    if (body.length > this.maxFrameBytes) {
      throw new CoordinatorError(
        'FRAME_TOO_LARGE',
        `A frame of ${body.length} bytes exceeds the peer's limit of ${this.maxFrameBytes} bytes`,
      );
    }
    this.#bodies.push(body);
    this.#bytes += frameHeaderBytes + body.length;
    if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(this.#flush);
    }
  }

  /** Writes everything queued now. */
  flush(): void {
    this.#scheduled = false;
    const bodies = this.#bodies;
    if (bodies.length === 0) return;
    const out = Buffer.allocUnsafe(this.#bytes);
    this.#bodies = [];
    this.#bytes = 0;
    let offset = 0;
    for (const body of bodies) {
      out.writeUInt32BE(body.length, offset);
      body.copy(out, offset + frameHeaderBytes);
      offset += frameHeaderBytes + body.length;
    }
    if (this.#socket.destroyed || !this.#socket.writable) return;
    if (!this.#socket.write(out)) this.#blocked = true;
  }
}
