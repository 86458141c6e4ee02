import { CoordinatorError } from '@coordinator/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { BearerToken, unauthorized } from '../bearer-token.js';
import type { CommandHandler } from '../command-handler.js';
import type { ListenAddress } from '../listen-address.js';
import { registerEventStream } from './event-stream.js';
import { replyWithError, sendError } from './http-errors.js';
import { registerRoutes } from './http-routes.js';
import { type HttpServerOptions, httpServerOptions } from './http-server-options.js';
import { registerOperatorRoutes } from './operator-routes.js';
import { registerPageRoutes, sessionCookie } from './page-routes.js';

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
  #endStreams: () => void = () => {};
  #closing = false;
  #address: ListenAddress | undefined;

  constructor(handler: CommandHandler, options?: Partial<HttpServerOptions>) {
    this.options = httpServerOptions.resolve(options);
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
      // No route declares a JSON schema (bodies are checked by submission-schema.ts), so the
      // schema compilers are stand-ins: the default ones load ajv when the app is built, about
      // 40 ms of a node's start-up. A schema added later fails loudly instead of going unchecked.
      schemaController: {
        compilersFactory: { buildValidator: noSchemas, buildSerializer: noSchemas },
      },
    }) as unknown as FastifyInstance;
    app.removeContentTypeParser('text/plain');
    const token =
      this.options.token === undefined ? undefined : new BearerToken(this.options.token);
    const open = new Set([
      '/healthz',
      '/readyz',
      ...(this.options.metricsPublic ? ['/metrics'] : []),
    ]);
    // A browser session (the page's sign-in) carries the token in a cookie instead of the header.
    const authorized = (cookie: string | undefined, authorization: string | undefined) =>
      token === undefined ||
      token.authorizes(authorization) ||
      token.matches(cookieValue(cookie, sessionCookie));
    app.addHook('onRequest', async (request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      // The page's routes answer a stranger with its sign-in form themselves.
      if (token && !open.has(path) && path !== '/ui' && !path.startsWith('/ui/')) {
        if (!authorized(request.headers.cookie, request.headers.authorization)) {
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
    registerOperatorRoutes(app, handler);
    if (this.options.events) this.#endStreams = registerEventStream(app, this.options.events);
    if (this.options.pageDirectory) {
      registerPageRoutes(app, this.options.pageDirectory, token, authorized);
    }
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
    this.#endStreams();
    await this.#app.close();
  }
}

/** One cookie's value from a `Cookie` header. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) {
      try {
        return decodeURIComponent(part.slice(at + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The schema compilers of an app whose routes declare no JSON schema. */
function noSchemas(): () => never {
  return () => {
    throw new CoordinatorError('INTERNAL', 'The HTTP routes declare no JSON schemas to compile');
  };
}
