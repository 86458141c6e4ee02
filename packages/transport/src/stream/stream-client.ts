// Longer than ~300 lines on purpose: connecting, the request queue and reconnecting share one
// state (pending requests move between them on every connect and every loss); split apart, each
// part would reach into the others.
import { randomUUID } from 'node:crypto';
import {
  type CommandFilter,
  type CommandView,
  CoordinatorError,
  defaultOutcomeLimit,
  type OutcomePage,
  type Submission,
  type TimerHandle,
} from '@coordinator/core';
import type { CommandResult } from '../command-handler.js';
import { backoffDelay } from './backoff.js';
import { ClientConnection, errorFromData } from './client-connection.js';
import { CallState, CommandCall } from './command-call.js';
import { type Deferred, deferred } from './deferred.js';
import type { ClientRequest, ReplyMessage, ServerHello, ServerMessage } from './protocol.js';
import { type StreamClientOptions, streamClientOptions } from './stream-client-options.js';

/** What the server said about itself in its hello. */
export type ServerInfo = Omit<ServerHello, 'op'>;

export interface SubmitOptions {
  /**
   * `accepted`: the final reply comes once the Command is durable. `result`: no interim reply,
   * only the result (`accepted` then resolves with it too). @default 'done'
   */
  readonly until?: 'accepted' | 'done' | 'result';
  /** Stops waiting (the server is told); the call rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

interface Pending {
  readonly message: ClientRequest;
  readonly state: CallState<unknown>;
}

/**
 * A stream protocol client: many requests pipelined on one connection, replies matched by
 * sequence number in any order. It connects on first use and reconnects with exponential backoff
 * and jitter. Requests on a connection that is lost (or cannot be made) fail with the retryable
 * `CONNECTION_LOST`; resubmit with the same id, which is never run twice.
 *
 * @example
 * const client = new StreamClient({ port: 7070 });
 * const { result } = await client.submit({ type: 'order', payload }).result;
 */
export class StreamClient {
  readonly options: StreamClientOptions;
  readonly #pending = new Map<number, Pending>();
  #queue: Pending[] = [];
  #seq = 0;
  /** Ids for submissions without one: unique per client (a UUID) and per call (a counter). */
  readonly #idPrefix = randomUUID();
  #ids = 0;
  #connection: ClientConnection | undefined;
  #connecting = false;
  #waiters: Deferred<ServerInfo>[] = [];
  #timer: TimerHandle | undefined;
  #attempt = 0;
  #info: ServerInfo | undefined;
  #closed: CoordinatorError | undefined;

  constructor(options: Partial<StreamClientOptions> & { readonly port: number }) {
    this.options = streamClientOptions.resolve(options);
  }

  /** The server's hello, once connected. */
  get serverInfo(): ServerInfo | undefined {
    return this.#info;
  }

  get connected(): boolean {
    return this.#connection !== undefined;
  }

  /**
   * Resolves when connected (at once if already). Rejects when the next attempt fails; the client
   * keeps reconnecting in the background unless the server is incompatible.
   */
  connect(): Promise<ServerInfo> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (this.#connection && this.#info) return Promise.resolve(this.#info);
    const waiter = deferred<ServerInfo>();
    this.#waiters.push(waiter);
    this.#ensureConnecting();
    return waiter.promise;
  }

  /**
   * Submits a Command. A submission without an id gets one here (`<client UUID>.<n>`), so that
   * every call can be resubmitted after `CONNECTION_LOST`.
   */
  submit(submission: Submission, options: SubmitOptions = {}): CommandCall {
    const id = submission.id ?? `${this.#idPrefix}.${++this.#ids}`;
    const seq = this.#nextSeq();
    const { type, payload } = submission;
    const message: ClientRequest = options.until
      ? { op: 'submit', seq, type, payload, id, until: options.until }
      : { op: 'submit', seq, type, payload, id };
    const state = new CallState<CommandResult>();
    this.#request(message, state as CallState<unknown>, options.signal);
    return new CommandCall(id, state);
  }

  /** @throws CoordinatorError `UNKNOWN_COMMAND` for an unknown id. */
  get(id: string, options: { signal?: AbortSignal } = {}): Promise<CommandView> {
    return this.#single({ op: 'get', seq: this.#nextSeq(), id }, options.signal);
  }

  /**
   * An operator's action on a Command: `retry` now or `cancel`.
   * @throws CoordinatorError `UNKNOWN_COMMAND`, `WRONG_STATE`.
   */
  act(
    action: 'retry' | 'cancel',
    id: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<CommandView> {
    return this.#single({ op: 'act', seq: this.#nextSeq(), action, id }, options.signal);
  }

  /** What the server's node shows the inspector. */
  inspect(options: { signal?: AbortSignal } = {}): Promise<Record<string, unknown>> {
    return this.#single({ op: 'inspect', seq: this.#nextSeq() }, options.signal);
  }

  /**
   * A page of a service's Outcomes kept for replay, as `GET /v1/outcomes` answers it.
   * @throws CoordinatorError `UNKNOWN_SERVICE`, `INVALID_CURSOR`, `INVALID_PAYLOAD`.
   */
  outcomes(
    query: { service: string; after?: string; since?: number; limit?: number },
    options: { signal?: AbortSignal } = {},
  ): Promise<OutcomePage> {
    return this.#single(
      { op: 'outcomes', seq: this.#nextSeq(), ...query, limit: query.limit ?? defaultOutcomeLimit },
      options.signal,
    );
  }

  list(filter: CommandFilter = {}, options: { signal?: AbortSignal } = {}): Promise<CommandView[]> {
    return this.#single({ op: 'list', seq: this.#nextSeq(), ...filter }, options.signal);
  }

  /** Fails everything pending with `CLOSED` and closes the connection; no reconnects follow. */
  async close(): Promise<void> {
    const connection = this.#connection;
    this.#shutdown(new CoordinatorError('CLOSED', 'The client is closed'));
    await connection?.ended;
  }

  #nextSeq(): number {
    this.#seq = (this.#seq + 1) % 0x8000_0000;
    return this.#seq;
  }

  #single<T>(message: ClientRequest, signal: AbortSignal | undefined): Promise<T> {
    const state = new CallState<unknown>();
    this.#request(message, state, signal);
    return new Promise((resolve, reject) =>
      state.watch(() => {
        if (state.failed) reject(state.error);
        else if (state.done) resolve(state.replies.at(-1) as T);
        return state.done;
      }),
    );
  }

  #request(message: ClientRequest, state: CallState<unknown>, signal?: AbortSignal): void {
    if (this.#closed || signal?.aborted) {
      state.fail(this.#closed ?? signal?.reason);
      return;
    }
    const pending: Pending = { message, state };
    if (signal) {
      const abort = () => this.#cancel(pending, signal.reason);
      signal.addEventListener('abort', abort, { once: true });
      state.watch(() => {
        if (state.done) signal.removeEventListener('abort', abort);
        return state.done;
      });
    }
    if (this.#connection) this.#send(this.#connection, pending);
    else {
      this.#queue.push(pending);
      this.#ensureConnecting();
    }
  }

  #send(connection: ClientConnection, pending: Pending): void {
    this.#pending.set(pending.message.seq, pending);
    try {
      connection.send(pending.message);
    } catch (error) {
      this.#pending.delete(pending.message.seq);
      pending.state.fail(error);
    }
  }

  #cancel(pending: Pending, reason: unknown): void {
    const { seq } = pending.message;
    if (this.#pending.get(seq) === pending) {
      this.#pending.delete(seq);
      try {
        this.#connection?.send({ op: 'cancel', seq });
      } catch {
        // The connection is going; nothing more will come for this seq anyway.
      }
    }
    this.#queue = this.#queue.filter((p) => p !== pending);
    pending.state.fail(reason);
  }

  #ensureConnecting(): void {
    if (this.#connecting || this.#timer !== undefined || this.#connection || this.#closed) return;
    this.#connecting = true;
    void this.#attemptConnect();
  }

  async #attemptConnect(): Promise<void> {
    const { host, port, tls, token, connectTimeoutMs, maxFrameBytes, clock } = this.options;
    const connection: ClientConnection = new ClientConnection(
      {
        host,
        port,
        ...(tls ? { tls } : {}),
        ...(token === undefined ? {} : { token }),
        connectTimeoutMs,
        maxFrameBytes,
        keepaliveIntervalMs: this.options.keepaliveIntervalMs,
        keepaliveTimeoutMs: this.options.keepaliveTimeoutMs,
        clock,
      },
      {
        message: (message) => this.#onMessage(message),
        closed: (error) => this.#onLost(connection, error),
      },
    );
    let hello: ServerHello;
    try {
      hello = await connection.open();
    } catch (error) {
      this.#connecting = false;
      this.#attemptFailed(connection, error as CoordinatorError);
      return;
    }
    this.#connecting = false;
    if (this.#closed) return connection.close(this.#closed);
    const { op: _, ...info } = hello;
    this.#connection = connection;
    this.#info = info;
    this.#attempt = 0;
    this.options.onEvent({
      type: 'client.connected',
      server: connection.server,
      nodeId: info.nodeId,
    });
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(info);
    const queued = this.#queue;
    this.#queue = [];
    for (const pending of queued) this.#send(connection, pending);
    if (!connection.alive)
      this.#onLost(connection, connection.error ?? lostError(connection.server));
  }

  #attemptFailed(connection: ClientConnection, error: CoordinatorError): void {
    if (error.code === 'PROTOCOL' || error.code === 'UNSUPPORTED_VERSION') {
      this.#shutdown(error);
      return;
    }
    const lost = new CoordinatorError('CONNECTION_LOST', error.message, { cause: error });
    const queued = this.#queue;
    this.#queue = [];
    for (const pending of queued) pending.state.fail(lost);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(lost);
    this.options.onEvent({
      type: 'client.disconnected',
      server: connection.server,
      error: lost.toData(),
    });
    this.#scheduleReconnect(connection.server);
  }

  #onLost(connection: ClientConnection, error: CoordinatorError): void {
    if (connection !== this.#connection) return;
    this.#connection = undefined;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.state.fail(error);
    this.options.onEvent({
      type: 'client.disconnected',
      server: connection.server,
      error: error.toData(),
    });
    // Neither a newer server nor a missing token gets better by reconnecting.
    if (error.code === 'UNSUPPORTED_VERSION' || error.code === 'UNAUTHORIZED')
      this.#shutdown(error);
    else this.#scheduleReconnect(connection.server);
  }

  #scheduleReconnect(server: string): void {
    if (this.#closed || this.#timer !== undefined) return;
    const { reconnectInitialDelayMs: initialDelayMs, reconnectMaxDelayMs: maxDelayMs } =
      this.options;
    const attempt = ++this.#attempt;
    const delayMs = backoffDelay(
      { initialDelayMs, maxDelayMs },
      attempt - 1,
      this.options.random.next(),
    );
    this.options.onEvent({ type: 'client.reconnecting', server, attempt, delayMs });
    this.#timer = this.options.clock.setTimer(() => {
      this.#timer = undefined;
      this.#ensureConnecting();
    }, delayMs);
  }

  #onMessage(message: ServerMessage): void {
    if (message.op !== 'reply') return;
    const pending = this.#pending.get(message.seq);
    if (!pending) return;
    const done = message.last || message.error !== undefined;
    if (done) this.#pending.delete(message.seq);
    if (message.error) pending.state.fail(errorFromData(message.error));
    else if (pending.message.op === 'submit' && !isCommandResult(message)) {
      pending.state.fail(new CoordinatorError('PROTOCOL', 'The server sent a malformed result'));
    } else pending.state.push(message.value, done);
  }

  #shutdown(error: CoordinatorError): void {
    if (this.#closed) return;
    this.#closed = error;
    if (this.#timer !== undefined) this.options.clock.clearTimer(this.#timer);
    this.#timer = undefined;
    const everything = [...this.#queue, ...this.#pending.values()];
    this.#queue = [];
    this.#pending.clear();
    for (const pending of everything) pending.state.fail(error);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    const connection = this.#connection;
    this.#connection = undefined;
    connection?.close(error);
  }
}

function lostError(server: string): CoordinatorError {
  return new CoordinatorError(
    'CONNECTION_LOST',
    `Connection lost: ${server} closed the connection`,
  );
}

function isCommandResult(message: ReplyMessage): boolean {
  const value = message.value as { id?: unknown; state?: unknown } | null;
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof value.id === 'string' &&
    typeof value.state === 'string'
  );
}
