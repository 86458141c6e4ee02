import { CoordinatorError, type ErrorData } from '@coordinator/core';
import { type CommandHandler, finalResult } from '../command-handler.js';
import { handlerErrorData } from '../handler-error.js';
import type { TransportEventListener } from '../transport-events.js';
import type { ClientRequest, ReplyMessage } from './protocol.js';

/** One pending request; its identity tells a reply for it from one for a later reuse of its seq. */
interface Token {
  readonly seq: number;
}

/**
 * The requests pending on one server connection, run concurrently against the handler. Handler
 * waits take the connection's signal (one per connection, not per request: creating an
 * `AbortSignal` per request cost a tenth of a round trip), so a cancelled request stops getting
 * replies at once and its wait in the handler ends when the Command does or the connection closes.
 */
export class ServerRequests {
  readonly #handler: CommandHandler;
  readonly #signal: AbortSignal;
  readonly #send: (message: ReplyMessage) => void;
  readonly #settled: () => void;
  readonly #onEvent: TransportEventListener;
  readonly #pending = new Map<number, Token>();

  constructor(
    handler: CommandHandler,
    signal: AbortSignal,
    send: (message: ReplyMessage) => void,
    settled: () => void,
    onEvent: TransportEventListener,
  ) {
    this.#handler = handler;
    this.#signal = signal;
    this.#send = send;
    this.#settled = settled;
    this.#onEvent = onEvent;
  }

  get size(): number {
    return this.#pending.size;
  }

  has(seq: number): boolean {
    return this.#pending.has(seq);
  }

  start(request: ClientRequest): void {
    const token: Token = { seq: request.seq };
    this.#pending.set(request.seq, token);
    void this.#run(request, token);
  }

  /** No more replies for `seq`. */
  cancel(seq: number): void {
    this.#pending.delete(seq);
  }

  /** No more replies for anything (the connection is closing). */
  clear(): void {
    this.#pending.clear();
  }

  /** Answers `seq`, which was refused before it could start. */
  refuse(seq: number, error: ErrorData): void {
    this.#send({ op: 'reply', seq, last: true, error });
  }

  async #run(request: ClientRequest, token: Token): Promise<void> {
    try {
      switch (request.op) {
        case 'submit': {
          const submitted = await this.#handler.submit(
            request.id === undefined
              ? { type: request.type, payload: request.payload }
              : { type: request.type, payload: request.payload, id: request.id },
          );
          const accepted = {
            id: submitted.id,
            state: submitted.state,
            existing: submitted.existing,
          };
          if (request.until === 'accepted') {
            this.#reply(token, true, accepted);
          } else if (submitted.state === 'done') {
            const view = await this.#handler.get(submitted.id);
            this.#reply(token, true, view ? finalResult(view) : accepted);
          } else {
            if (request.until !== 'result') this.#reply(token, false, accepted);
            if (this.#pending.get(token.seq) !== token) break;
            const handler = this.#handler;
            const result = handler.resultWhenDone
              ? await handler.resultWhenDone(submitted.id, this.#signal)
              : finalResult(await handler.whenDone(submitted.id, this.#signal));
            this.#reply(token, true, result);
          }
          break;
        }
        case 'get': {
          const details = await this.#handler.get(request.id);
          if (details === undefined) {
            throw new CoordinatorError('UNKNOWN_COMMAND', `No Command with id ${request.id}`);
          }
          this.#reply(token, true, details);
          break;
        }
        case 'act': {
          const { action, id } = request;
          const view =
            action === 'retry' ? await this.#handler.retryNow(id) : await this.#handler.cancel(id);
          this.#reply(token, true, view);
          break;
        }
        case 'inspect':
          this.#reply(token, true, await this.#handler.inspect());
          break;
        case 'outcomes': {
          const { op: _op, seq: _seq, ...query } = request;
          this.#reply(token, true, await this.#handler.outcomes(query));
          break;
        }
        case 'list': {
          const { op: _op, seq: _seq, ...filter } = request;
          // The stream protocol's list answers with the page's Commands (an array).
          this.#reply(token, true, (await this.#handler.list(filter)).commands);
          break;
        }
      }
    } catch (error) {
      if (this.#pending.get(token.seq) === token) {
        this.#reply(token, true, undefined, handlerErrorData(error, request.op, this.#onEvent));
      }
    } finally {
      if (this.#pending.get(token.seq) === token) {
        this.#pending.delete(token.seq);
        this.#settled();
      }
    }
  }

  #reply(token: Token, last: boolean, value: unknown, error?: ErrorData): void {
    const { seq } = token;
    if (this.#pending.get(seq) !== token) return;
    try {
      this.#send(
        error ? { op: 'reply', seq, last: true, error } : { op: 'reply', seq, last, value },
      );
    } catch (failure) {
      const data = handlerErrorData(failure, 'reply', this.#onEvent);
      this.#send({ op: 'reply', seq, last: true, error: data });
      this.#pending.delete(seq);
    }
  }
}
