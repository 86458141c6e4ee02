import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { CoordinatorError } from '@coordinator/core';
import { BearerToken } from '../bearer-token.js';
import type { CommandHandler } from '../command-handler.js';
import type { ListenAddress } from '../listen-address.js';
import { ServerConnection } from './server-connection.js';
import { type StreamServerOptions, streamServerOptions } from './stream-server-options.js';

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
    this.options = streamServerOptions.resolve(options);
    this.#bearer =
      this.options.token === undefined ? undefined : new BearerToken(this.options.token);
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
