import { setMaxListeners } from 'node:events';
import type { Socket } from 'node:net';
import { type Clock, CoordinatorError, type ErrorData } from '@coordinator/core';
import type { BearerToken } from '../bearer-token.js';
import type { CommandHandler } from '../command-handler.js';
import { readClientMessage } from './client-message.js';
import { FrameDecoder, noFrame } from './frame-decoder.js';
import { FrameWriter } from './frame-writer.js';
import { Keepalive } from './keepalive.js';
import { type ClientHello, protocolName, protocolVersion, type ServerMessage } from './protocol.js';
import { ServerRequests } from './server-requests.js';
import type { ConnectionSettings } from './stream-server-options.js';

export interface ConnectionConfig extends ConnectionSettings {
  readonly handler: CommandHandler;
  /** When set, a client's hello must carry this token. */
  readonly bearer?: BearerToken;
}

/**
 * The server side of one stream connection: reads frames, runs requests against the handler
 * concurrently, writes their replies in batches. It stops reading while `maxPendingPerConnection`
 * requests are pending or the peer reads its replies too slowly.
 */
export class ServerConnection {
  readonly peer: string;
  readonly closed: Promise<void>;
  readonly #socket: Socket;
  readonly #config: ConnectionConfig;
  readonly #decoder: FrameDecoder;
  readonly #writer: FrameWriter;
  readonly #keepalive: Keepalive;
  readonly #abort = new AbortController();
  readonly #requests: ServerRequests;
  #greeted = false;
  #closing = false;
  #paused = false;
  #error: ErrorData | undefined;
  #timer: ReturnType<Clock['setTimer']> | undefined;

  constructor(socket: Socket, config: ConnectionConfig) {
    // One signal serves every request of the connection: as many listeners as requests pending.
    setMaxListeners(0, this.#abort.signal);
    this.#socket = socket;
    this.#config = config;
    this.peer = `${socket.remoteAddress}:${socket.remotePort}`;
    this.#decoder = new FrameDecoder(config.maxFrameBytes);
    this.#writer = new FrameWriter(socket, () => this.#pump());
    this.#keepalive = new Keepalive(
      config.clock,
      config.keepaliveIntervalMs,
      config.keepaliveTimeoutMs,
      {
        ping: () => this.#send({ op: 'ping' }),
        silent: (ms) =>
          this.close({ code: 'CONNECTION_LOST', message: `No data from the client for ${ms} ms` }),
      },
    );
    this.#requests = new ServerRequests(
      config.handler,
      this.#abort.signal,
      (reply) => this.#send(reply),
      () => {
        if (this.#paused) this.#pump();
      },
      config.onEvent,
    );
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error) => {
      this.#error ??= { code: 'CONNECTION_LOST', message: error.message };
    });
    socket.once('close', () => this.#onClose());
  }

  /** Greets the client and starts reading. */
  start(): void {
    this.#config.onEvent({ type: 'stream.connection.opened', peer: this.peer });
    this.#send({
      op: 'hello',
      protocol: protocolName,
      version: protocolVersion,
      nodeId: this.#config.nodeId,
      maxFrameBytes: this.#config.maxFrameBytes,
      keepaliveTimeoutMs: this.#config.keepaliveTimeoutMs,
    });
    this.#timer = this.#config.clock.setTimer(() => {
      this.#fail(new CoordinatorError('PROTOCOL', 'The client sent no hello in time'));
    }, this.#config.handshakeTimeoutMs);
    this.#keepalive.start();
  }

  /** Tells the client why and closes; pending requests get no more replies. */
  close(error: ErrorData): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#error ??= error;
    this.#abortAll();
    this.#keepalive.stop();
    this.#decoder.clear();
    this.#send({ op: 'close', error });
    this.#writer.flush();
    this.#socket.end();
    this.#socket.resume();
    this.#clearTimer();
    this.#timer = this.#config.clock.setTimer(
      () => this.#socket.destroy(),
      this.#config.closeGraceMs,
    );
  }

  #onData(chunk: Buffer): void {
    if (this.#closing) return;
    this.#keepalive.received();
    this.#decoder.push(chunk);
    this.#pump();
  }

  #pump(): void {
    while (!this.#closing) {
      if (this.#requests.size >= this.#config.maxPendingPerConnection || this.#writer.blocked) {
        this.#pause(true);
        return;
      }
      let value: unknown;
      try {
        value = this.#decoder.nextValue();
      } catch (error) {
        this.#fail(error as CoordinatorError);
        return;
      }
      if (value === noFrame) break;
      this.#onMessage(value);
    }
    this.#pause(false);
  }

  #pause(paused: boolean): void {
    if (paused === this.#paused || this.#closing) return;
    this.#paused = paused;
    // Held only while our own pending limit stops reading: a peer that does not read its
    // replies still counts as silent.
    this.#keepalive.hold(paused && !this.#writer.blocked);
    if (paused) this.#socket.pause();
    else this.#socket.resume();
    this.#config.onEvent({ type: 'stream.backpressure', peer: this.peer, paused });
  }

  #onMessage(value: unknown): void {
    const message = readClientMessage(value);
    if (!this.#greeted) {
      if (message.op !== 'hello') {
        this.#fail(new CoordinatorError('PROTOCOL', 'Expected a hello as the first message'));
      } else this.#greet(message);
      return;
    }
    switch (message.op) {
      case 'ping':
        return;
      case 'hello':
        this.#fail(new CoordinatorError('PROTOCOL', 'A second hello on one connection'));
        return;
      case 'refused':
        this.#config.onEvent({
          type: 'stream.protocol-error',
          peer: this.peer,
          error: message.error.toData(),
        });
        if (message.seq === undefined || this.#requests.has(message.seq)) this.#fail(message.error);
        else this.#requests.refuse(message.seq, message.error.toData());
        return;
      case 'cancel':
        this.#requests.cancel(message.seq);
        return;
      default:
        if (this.#requests.has(message.seq)) {
          this.#fail(new CoordinatorError('PROTOCOL', `Request ${message.seq} is already pending`));
          return;
        }
        this.#requests.start(message);
    }
  }

  #greet(hello: ClientHello): void {
    if (hello.protocol !== protocolName || hello.version !== protocolVersion) {
      this.#fail(
        new CoordinatorError(
          'UNSUPPORTED_VERSION',
          `This server speaks ${protocolName} version ${protocolVersion}; the client speaks ${hello.protocol} version ${hello.version}`,
        ),
      );
      return;
    }
    if (this.#config.bearer && !this.#config.bearer.matches(hello.token)) {
      this.#fail(
        new CoordinatorError(
          'UNAUTHORIZED',
          'This server needs the API token in the hello (StreamClient option `token`)',
        ),
      );
      return;
    }
    this.#greeted = true;
    this.#writer.maxFrameBytes = hello.maxFrameBytes;
    this.#clearTimer();
  }

  #send(message: ServerMessage): void {
    if (this.#socket.destroyed) return;
    this.#writer.write(message);
    this.#keepalive.sent();
  }

  #fail(error: CoordinatorError): void {
    const data = error.toData();
    this.#config.onEvent({ type: 'stream.protocol-error', peer: this.peer, error: data });
    this.close(data);
  }

  #abortAll(): void {
    this.#requests.clear();
    this.#abort.abort();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#config.clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  #onClose(): void {
    this.#closing = true;
    this.#abortAll();
    this.#keepalive.stop();
    this.#clearTimer();
    this.#config.onEvent({
      type: 'stream.connection.closed',
      peer: this.peer,
      ...(this.#error ? { error: this.#error } : {}),
    });
  }
}
