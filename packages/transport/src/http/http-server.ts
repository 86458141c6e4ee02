import { type Clock, CoordinatorError } from '@coordinator/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { BearerToken, unauthorized } from '../bearer-token.js';
import type { CommandHandler } from '../command-handler.js';
import { type OptionRules, resolveOptions } from '../resolve-options.js';
import type { ListenAddress } from '../stream/stream-server.js';
import { systemClock } from '../system-ports.js';
import type { TransportEventListener } from '../transport-events.js';
import { replyWithError, sendError } from './http-errors.js';
import { registerRoutes } from './http-routes.js';

export interface HttpServerOptions {
  /** @default '127.0.0.1' */
  readonly host: string;
  /** @default 0 (a free port; read it from `listen()`) */
  readonly port: number;
  /** Largest request body; a larger one gets 413 `PAYLOAD_TOO_LARGE`. @default 1 MiB */
  readonly bodyLimitBytes: number;
  /** The cap on `?wait=`. @default 60000 */
  readonly maxWaitMs: number;
  /** Sent as `Retry-After` with every 503. @default 1 */
  readonly retryAfterSeconds: number;
  /** Keep above the load balancer's idle timeout. @default 65000 */
  readonly keepAliveTimeoutMs: number;
  /** Prometheus text for `GET /metrics`. @default no metrics (empty text) */
  readonly metrics: () => string | Promise<string>;
  /**
   * When set, every route but `/healthz` and `/readyz` (and `/metrics` with `metricsPublic`)
   * requires `Authorization: Bearer <token>`; others get 401 `UNAUTHORIZED`.
   * @default undefined (no token)
   */
  readonly token?: string;
  /** Serve `/metrics` without the token. @default false */
  readonly metricsPublic: boolean;
  /** Serve HTTPS with these PEM contents (`key`, `cert`, optional `ca`). @default undefined (HTTP) */
  readonly tls?: {
    readonly key: string | Buffer;
    readonly cert: string | Buffer;
    readonly ca?: string | Buffer;
  };
  /** Times `wait`. @default the system clock */
  readonly clock: Clock;
  /** @default ignores events */
  readonly onEvent: TransportEventListener;
}

const defaults: Readonly<HttpServerOptions> = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  bodyLimitBytes: 1024 * 1024,
  maxWaitMs: 60_000,
  retryAfterSeconds: 1,
  keepAliveTimeoutMs: 65_000,
  metrics: () => '',
  metricsPublic: false,
  clock: systemClock,
  onEvent: () => {},
});

const rules: OptionRules<HttpServerOptions> = {
  host: { kind: 'string' },
  port: { kind: 'integer', min: 0, max: 65_535 },
  bodyLimitBytes: { kind: 'integer', min: 1 },
  maxWaitMs: { kind: 'integer', min: 0 },
  retryAfterSeconds: { kind: 'integer', min: 0 },
  keepAliveTimeoutMs: { kind: 'integer', min: 1 },
  metrics: { kind: 'function' },
  token: { kind: 'string' },
  metricsPublic: { kind: 'boolean' },
  tls: { kind: 'object' },
  clock: { kind: 'object' },
  onEvent: { kind: 'function' },
};

/**
 * The HTTP API (JSON) over the `CommandHandler`, with the fixed contract of `docs/transport.md`:
 * `POST /v1/commands`, `GET /v1/commands/{id}`, `GET /v1/commands`, `/healthz`, `/readyz`,
 * `/metrics`. Every error is `{"error": {"code", "message"}}`.
 *
 * @example
 * const http = new HttpServer(handler, { port: 8080, metrics: () => registry.metrics() });
 * await http.listen();
 */
export class HttpServer {
  readonly options: HttpServerOptions;
  readonly #app: FastifyInstance;
  readonly #waits = new Set<AbortController>();
  #closing = false;
  #address: ListenAddress | undefined;

  constructor(handler: CommandHandler, options?: Partial<HttpServerOptions>) {
    this.options = resolveOptions('HttpServer', defaults, rules, options);
    const { retryAfterSeconds, onEvent } = this.options;
    const app = Fastify({
      logger: false,
      bodyLimit: this.options.bodyLimitBytes,
      keepAliveTimeout: this.options.keepAliveTimeoutMs,
      // Room for the longest Command id, percent-encoded (256 characters of 4 UTF-8 bytes each).
      routerOptions: { maxParamLength: 4096 },
      return503OnClosing: false,
      frameworkErrors: (error, _request, reply) => {
        sendError(reply, 400, { code: 'PROTOCOL', message: error.message }, retryAfterSeconds);
      },
      ...(this.options.tls ? { https: this.options.tls } : {}),
    }) as unknown as FastifyInstance;
    app.removeContentTypeParser('text/plain');
    const token =
      this.options.token === undefined ? undefined : new BearerToken(this.options.token);
    const open = new Set([
      '/healthz',
      '/readyz',
      ...(this.options.metricsPublic ? ['/metrics'] : []),
    ]);
    app.addHook('onRequest', async (request, reply) => {
      if (token && !open.has(request.url.split('?')[0] ?? '')) {
        if (!token.authorizes(request.headers.authorization)) {
          reply.header('www-authenticate', 'Bearer realm="coordinator"');
          return sendError(reply, 401, unauthorized('This route').toData(), retryAfterSeconds);
        }
      }
      if (!this.#closing) return;
      reply.header('connection', 'close');
      return sendError(
        reply,
        503,
        { code: 'CLOSED', message: 'The node is shutting down; retry on another node' },
        retryAfterSeconds,
      );
    });
    app.setErrorHandler((error, _request, reply) =>
      replyWithError(reply, error, retryAfterSeconds, onEvent),
    );
    app.setNotFoundHandler((request, reply) =>
      sendError(
        reply,
        404,
        { code: 'PROTOCOL', message: `No route ${request.method} ${request.url.split('?')[0]}` },
        retryAfterSeconds,
      ),
    );
    registerRoutes(app, { ...this.options, handler, waits: this.#waits });
    this.#app = app;
  }

  get address(): ListenAddress | undefined {
    return this.#address;
  }

  async listen(): Promise<ListenAddress> {
    if (this.#address) throw new CoordinatorError('PROTOCOL', 'The server is already listening');
    const { host, port } = this.options;
    await this.#app.listen({ host, port });
    const bound = this.#app.server.address();
    this.#address = { host, port: typeof bound === 'object' && bound !== null ? bound.port : port };
    return this.#address;
  }

  /** Refuses new requests with 503 `CLOSED`, answers every `wait` with 202 at once, closes. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const wait of this.#waits) wait.abort();
    await this.#app.close();
  }
}
