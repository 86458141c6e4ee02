import { createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';
import { CoordinatorError } from '@coordinator/core';
import { BearerToken } from '../bearer-token.js';
import type { CommandHandler } from '../command-handler.js';
import { type OptionRules, resolveOptions } from '../resolve-options.js';
import { systemClock } from '../system-ports.js';
import { type ConnectionSettings, ServerConnection } from './server-connection.js';

export interface StreamServerOptions extends ConnectionSettings {
  /** @default '127.0.0.1' */
  readonly host: string;
  /** @default 0 (a free port; read it from `listen()`) */
  readonly port: number;
  /**
   * Serve TLS with these options (`key`, `cert`, ...). For mutual TLS add `ca`,
   * `requestCert: true` and `rejectUnauthorized: true`: a client without a certificate signed by
   * `ca` is refused during the handshake.
   * @default undefined (plain TCP)
   */
  readonly tls?: TlsOptions;
  /** When set, clients must send it in their hello; others are closed with `UNAUTHORIZED`. */
  readonly token?: string;
}

const defaults: Readonly<Partial<StreamServerOptions>> = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  nodeId: hostname(),
  maxFrameBytes: 1024 * 1024,
  maxPendingPerConnection: 1024,
  keepaliveIntervalMs: 5_000,
  keepaliveTimeoutMs: 15_000,
  handshakeTimeoutMs: 10_000,
  closeGraceMs: 2_000,
  clock: systemClock,
  onEvent: () => {},
});

const rules: OptionRules<StreamServerOptions> = {
  host: { kind: 'string' },
  port: { kind: 'integer', min: 0, max: 65_535 },
  tls: { kind: 'object' },
  token: { kind: 'string' },
  nodeId: { kind: 'string' },
  maxFrameBytes: { kind: 'integer', min: 64, max: 0xffff_ffff },
  maxPendingPerConnection: { kind: 'integer', min: 1 },
  keepaliveIntervalMs: { kind: 'integer', min: 1 },
  keepaliveTimeoutMs: { kind: 'integer', min: 1 },
  handshakeTimeoutMs: { kind: 'integer', min: 1 },
  closeGraceMs: { kind: 'integer', min: 0 },
  clock: { kind: 'object' },
  onEvent: { kind: 'function' },
};

/** Where a server listens. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * The stream protocol server (TCP, or TLS with optional client certificates). Every request runs
 * against the `CommandHandler`; see `docs/transport.md` for the protocol.
 *
 * @example
 * const server = new StreamServer(handler, { port: 7070, nodeId: 'node-1' });
 * const { port } = await server.listen();
 */
export class StreamServer {
  readonly options: StreamServerOptions;
  readonly #handler: CommandHandler;
  readonly #connections = new Set<ServerConnection>();
  readonly #bearer: BearerToken | undefined;
  #server: Server | undefined;
  #address: ListenAddress | undefined;

  constructor(handler: CommandHandler, options?: Partial<StreamServerOptions>) {
    this.#handler = handler;
    this.options = resolveOptions('StreamServer', defaults, rules, options);
    this.#bearer =
      this.options.token === undefined ? undefined : new BearerToken(this.options.token);
    if (this.options.keepaliveTimeoutMs <= this.options.keepaliveIntervalMs) {
      throw new CoordinatorError(
        'INVALID_OPTION',
        `Expected StreamServer option \`keepaliveTimeoutMs\` to exceed \`keepaliveIntervalMs\` (${this.options.keepaliveIntervalMs}), got \`${this.options.keepaliveTimeoutMs}\` (number)`,
      );
    }
  }

  /** Where it listens, once `listen` resolved. */
  get address(): ListenAddress | undefined {
    return this.#address;
  }

  /** Open connections. */
  get connections(): number {
    return this.#connections.size;
  }

  async listen(): Promise<ListenAddress> {
    if (this.#server) throw new CoordinatorError('PROTOCOL', 'The server is already listening');
    const { tls, host, port } = this.options;
    const server = tls
      ? createTlsServer(tls, (socket) => this.#accept(socket))
      : createServer({ noDelay: true }, (socket) => this.#accept(socket));
    if (tls) {
      server.on('tlsClientError', (error, socket) => {
        this.options.onEvent({
          type: 'stream.protocol-error',
          peer: `${socket.remoteAddress}:${socket.remotePort}`,
          error: { code: 'PROTOCOL', message: `TLS handshake failed: ${error.message}` },
        });
      });
    }
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = server.address();
    this.#address = {
      host,
      port: typeof bound === 'object' && bound !== null ? bound.port : port,
    };
    return this.#address;
  }

  /**
   * Stops listening, tells every client `CLOSED` and closes its connection; their pending
   * requests end without a final reply (clients fail them with `CONNECTION_LOST`).
   */
  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    const closing = [...this.#connections].map((connection) => {
      connection.close({ code: 'CLOSED', message: 'The server is shutting down; reconnect' });
      return connection.closed;
    });
    await Promise.all([stopped, ...closing]);
  }

  #accept(socket: Socket): void {
    socket.setNoDelay(true);
    const connection = new ServerConnection(socket, {
      ...this.options,
      handler: this.#handler,
      ...(this.#bearer ? { bearer: this.#bearer } : {}),
    });
    this.#connections.add(connection);
    void connection.closed.then(() => this.#connections.delete(connection));
    connection.start();
  }
}
