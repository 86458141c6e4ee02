import { connect, type Socket } from 'node:net';
import { decodeBody, encodeFrame } from '@coordinator/transport';
import { waitFor } from './wait-for.js';

/** Length prefix + MessagePack body, as the stream protocol frames a message. */
export const frame = encodeFrame;

/**
 * A hand-driven stream protocol client over a raw socket: sends any bytes, decodes what the server
 * answers. For tests that must misbehave.
 */
export class RawPeer {
  readonly messages: Record<string, unknown>[] = [];
  readonly closed: Promise<void>;
  #socket: Socket;
  #buffer = Buffer.alloc(0);
  #isClosed = false;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#isClosed = true;
        resolve();
      }),
    );
  }

  static async connect(port: number): Promise<RawPeer> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawPeer(socket);
  }

  /** Connects and completes the handshake with a valid hello. */
  static async greeted(port: number): Promise<RawPeer> {
    const peer = await RawPeer.connect(port);
    await peer.next((m) => m.op === 'hello');
    peer.send(
      frame({ op: 'hello', protocol: 'coordinator-stream', version: 1, maxFrameBytes: 1 << 20 }),
    );
    return peer;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  send(bytes: Uint8Array): void {
    if (!this.#socket.destroyed) this.#socket.write(bytes);
  }

  /** The first message received (or to come) that matches. */
  next(match: (message: Record<string, unknown>) => boolean, timeoutMs = 5_000) {
    return waitFor('a matching message', () => this.messages.find(match), timeoutMs);
  }

  /** Stops reading what the server sends (its replies pile up in the socket buffers). */
  stopReading(): void {
    this.#socket.pause();
  }

  /** Half-closes: the peer sends nothing more. */
  end(): void {
    this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }

  #read(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 4) {
      const length = this.#buffer.readUInt32BE(0);
      if (this.#buffer.length < 4 + length) return;
      this.messages.push(
        decodeBody(this.#buffer.subarray(4, 4 + length)) as Record<string, unknown>,
      );
      this.#buffer = this.#buffer.subarray(4 + length);
    }
  }
}
