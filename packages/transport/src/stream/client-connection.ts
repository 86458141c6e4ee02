import { connect as connectTcp, type Socket } from 'node:net';
import { type ConnectionOptions, connect as connectTls } from 'node:tls';
import { type Clock, CoordinatorError, type ErrorData, isErrorCode } from '@coordinator/core';
import { FrameDecoder, noFrame } from './frame-decoder.js';
import { FrameWriter } from './frame-writer.js';
import { Keepalive } from './keepalive.js';
import {
  type ClientMessage,
  protocolName,
  protocolVersion,
  type ServerHello,
  type ServerMessage,
} from './protocol.js';
import { readServerMessage } from './server-message.js';

export interface ClientConnectionConfig {
  readonly host: string;
  readonly port: number;
  readonly tls?: ConnectionOptions;
  readonly token?: string;
  readonly connectTimeoutMs: number;
  readonly maxFrameBytes: number;
  readonly keepaliveIntervalMs: number;
  readonly keepaliveTimeoutMs: number;
  readonly clock: Clock;
}

export interface ClientConnectionHandlers {
  readonly message: (message: ServerMessage) => void;
  /** The open connection is gone; `error` says why. */
  readonly closed: (error: CoordinatorError) => void;
}

/** A `CoordinatorError` from the `{code, message}` a peer sent. */
export function errorFromData(data: ErrorData): CoordinatorError {
  return new CoordinatorError(isErrorCode(data.code) ? data.code : 'PROTOCOL', data.message);
}

/**
 * The client side of one stream connection: connect, check the server's hello, answer it, then
 * frames in and out with keepalive. `StreamClient` owns reconnecting.
 */
export class ClientConnection {
  readonly server: string;
  readonly #config: ClientConnectionConfig;
  readonly #handlers: ClientConnectionHandlers;
  readonly #decoder: FrameDecoder;
  #socket: Socket | undefined;
  #writer: FrameWriter | undefined;
  #keepalive: Keepalive | undefined;
  #hello: ServerHello | undefined;
  #error: CoordinatorError | undefined;
  #ended: Promise<void> = Promise.resolve();

  constructor(config: ClientConnectionConfig, handlers: ClientConnectionHandlers) {
    this.#config = config;
    this.#handlers = handlers;
    this.server = `${config.host}:${config.port}`;
    this.#decoder = new FrameDecoder(config.maxFrameBytes);
  }

  /**
   * Connects and completes the handshake.
   * @throws CoordinatorError `UNSUPPORTED_VERSION` or `PROTOCOL` for a server this client cannot
   * speak to, `CONNECTION_LOST` when it cannot be reached (with the reason).
   */
  open(): Promise<ServerHello> {
    const { host, port, tls, clock } = this.#config;
    return new Promise((resolve, reject) => {
      const socket = tls
        ? connectTls({ host, port, ...tls })
        : connectTcp({ host, port, noDelay: true });
      this.#socket = socket;
      this.#ended = new Promise((done) => socket.once('close', () => done()));
      this.#writer = new FrameWriter(socket);
      const timer = clock.setTimer(() => {
        this.#lose(`no hello from ${this.server} within ${this.#config.connectTimeoutMs} ms`);
      }, this.#config.connectTimeoutMs);
      socket.on('data', (chunk: Buffer) => {
        this.#keepalive?.received();
        this.#decoder.push(chunk);
        this.#read((hello) => {
          clock.clearTimer(timer);
          resolve(hello);
        });
      });
      socket.on('error', (error) => this.#lose(`${this.server}: ${error.message}`, error));
      socket.once('close', () => {
        clock.clearTimer(timer);
        this.#keepalive?.stop();
        const error = this.#error ?? this.#lost(`${this.server} closed the connection`);
        if (this.#hello) this.#handlers.closed(error);
        else reject(error);
      });
    });
  }

  /** False once the socket closed or is closing; `error` then says why. */
  get alive(): boolean {
    return this.#socket !== undefined && !this.#socket.destroyed && this.#error === undefined;
  }

  /** Resolves once the socket is closed. */
  get ended(): Promise<void> {
    return this.#ended;
  }

  get error(): CoordinatorError | undefined {
    return this.#error;
  }

  /** @throws CoordinatorError `FRAME_TOO_LARGE` when the message exceeds the server's limit. */
  send(message: ClientMessage): void {
    this.#writer?.write(message);
    this.#keepalive?.sent();
  }

  /** Closes the socket; `closed` follows. */
  close(error: CoordinatorError): void {
    this.#error ??= error;
    this.#socket?.destroy();
  }

  #read(greeted: (hello: ServerHello) => void): void {
    for (;;) {
      let message: ServerMessage;
      try {
        const value = this.#decoder.nextValue();
        if (value === noFrame) return;
        if (!this.#hello) {
          greeted(this.#greet(value));
          continue;
        }
        message = readServerMessage(value);
      } catch (error) {
        this.close(
          this.#hello
            ? this.#lost(`${this.server} broke the protocol: ${(error as Error).message}`, error)
            : new CoordinatorError(
                (error as CoordinatorError).code === 'UNSUPPORTED_VERSION'
                  ? 'UNSUPPORTED_VERSION'
                  : 'PROTOCOL',
                `${this.server} is not a compatible ${protocolName} server: ${(error as Error).message}`,
                { cause: error },
              ),
        );
        return;
      }
      if (message.op === 'close') this.#error ??= this.#closeError(message.error);
      else if (message.op === 'hello') this.close(this.#lost(`${this.server} sent a second hello`));
      else this.#handlers.message(message);
    }
  }

  #greet(value: unknown): ServerHello {
    const fields = (typeof value === 'object' && value !== null ? value : {}) as Record<
      string,
      unknown
    >;
    if (fields.protocol !== protocolName) {
      throw new CoordinatorError(
        'PROTOCOL',
        `it greets with protocol ${JSON.stringify(fields.protocol)}`,
      );
    }
    if (fields.version !== protocolVersion) {
      throw new CoordinatorError(
        'UNSUPPORTED_VERSION',
        `it speaks version ${JSON.stringify(fields.version)}; this client speaks version ${protocolVersion}`,
      );
    }
    const hello = readServerMessage(value);
    if (hello.op !== 'hello')
      throw new CoordinatorError('PROTOCOL', 'its first message is no hello');
    this.#hello = hello;
    (this.#writer as FrameWriter).maxFrameBytes = hello.maxFrameBytes;
    this.send({
      op: 'hello',
      protocol: protocolName,
      version: protocolVersion,
      maxFrameBytes: this.#config.maxFrameBytes,
      ...(this.#config.token === undefined ? {} : { token: this.#config.token }),
    });
    const intervalMs = Math.max(
      1,
      Math.min(this.#config.keepaliveIntervalMs, Math.floor(hello.keepaliveTimeoutMs / 3)),
    );
    this.#keepalive = new Keepalive(
      this.#config.clock,
      intervalMs,
      this.#config.keepaliveTimeoutMs,
      {
        ping: () => this.send({ op: 'ping' }),
        silent: (ms) => this.close(this.#lost(`no data from ${this.server} for ${ms} ms`)),
      },
    );
    this.#keepalive.start();
    return hello;
  }

  #closeError(data: ErrorData): CoordinatorError {
    return data.code === 'UNSUPPORTED_VERSION' || data.code === 'UNAUTHORIZED'
      ? errorFromData(data)
      : this.#lost(`${this.server} closed the connection: ${data.code}: ${data.message}`);
  }

  #lost(reason: string, cause?: unknown): CoordinatorError {
    return new CoordinatorError('CONNECTION_LOST', `Connection lost: ${reason}`, { cause });
  }

  #lose(reason: string, cause?: unknown): void {
    this.close(this.#lost(reason, cause));
  }
}
