import { CoordinatorError } from '@coordinator/core';
import type { CommandResult } from '../command-handler.js';
import { StreamClient } from '../stream/stream-client.js';
import { CircuitBreaker } from './circuit-breaker.js';
import type { StepKey } from './http-service.js';
import { type StreamServiceOptions, streamServiceOptions } from './stream-service-options.js';

/** Refusals after which the same call may succeed later: the service is unavailable for now. */
const unavailable = new Set([
  'CONNECTION_LOST',
  'OVERLOADED',
  'SUSPENDED',
  'NOT_READY',
  'NOT_OWNER',
  'CLOSED',
]);

/**
 * A service gateway for a service that speaks the stream protocol (another coordinator node, or
 * any `StreamServer`). A call submits a Command whose id is the step's idempotency key, so a
 * repeated step attaches to the same remote Command instead of running it twice. Timeouts, lost
 * connections and temporary refusals become CmdDelayed; an open breaker CmdBlocked; a remote
 * Command that ends with an error, or a refusal such as `INVALID_PAYLOAD`, a terminal `STEP_FAILED`.
 *
 * @example
 * const billing = streamService({ host: 'billing', port: 7070 });
 * await ctx.step('billing', 'charge', (step) => billing.call(step, 'charge', { amount }));
 */
export class StreamService {
  readonly client: StreamClient;
  readonly breaker: CircuitBreaker;
  readonly #service: string;
  readonly #timeoutMs: number;

  constructor(options: Partial<StreamServiceOptions> & { readonly port: number }) {
    const { service, timeoutMs, breaker, ...client } = streamServiceOptions.resolve(options);
    this.client = new StreamClient(client);
    this.#service = service ?? `${client.host}:${client.port}`;
    this.#timeoutMs = timeoutMs;
    const { clock, onEvent } = client;
    this.breaker = new CircuitBreaker({ ...breaker, service: this.#service, clock, onEvent });
  }

  /**
   * Runs Command `type` on the service and resolves with its result.
   * @throws CoordinatorError `DELAYED`, `BLOCKED` or `STEP_FAILED` (see the class).
   */
  async call<T = unknown>(step: StepKey, type: string, payload: unknown): Promise<T> {
    const what = `${this.#service}: ${type}`;
    const permit = this.breaker.acquire();
    if (!permit) {
      const until = new Date(this.breaker.retryAt ?? 0).toISOString();
      throw CoordinatorError.blocked(`${what} not sent: the circuit is open until ${until}`);
    }
    const { clock } = this.client.options;
    const controller = new AbortController();
    const timer = clock.setTimer(() => controller.abort(), this.#timeoutMs);
    let outcome: CommandResult;
    try {
      const call = this.client.submit(
        { type, payload, id: step.idempotencyKey },
        { signal: controller.signal, until: 'result' },
      );
      outcome = await call.result;
    } catch (error) {
      if (controller.signal.aborted) {
        this.breaker.failed(permit);
        throw CoordinatorError.delayed(`${what} timed out after ${this.#timeoutMs} ms`);
      }
      const refusal = error instanceof CoordinatorError ? error : undefined;
      if (refusal === undefined || unavailable.has(refusal.code)) {
        this.breaker.failed(permit);
        throw CoordinatorError.delayed(`${what} unavailable: ${(error as Error).message}`, {
          cause: error,
        });
      }
      this.breaker.succeeded(permit);
      throw new CoordinatorError(
        'STEP_FAILED',
        `${what} refused: ${refusal.code}: ${refusal.message}`,
        {
          cause: error,
        },
      );
    } finally {
      clock.clearTimer(timer);
    }
    this.breaker.succeeded(permit);
    if (outcome.error) {
      throw new CoordinatorError(
        'STEP_FAILED',
        `${what} ended with ${outcome.error.code}: ${outcome.error.message}`,
        { cause: outcome.error },
      );
    }
    return outcome.result as T;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** Builds a {@link StreamService}. */
export function streamService(options: Partial<StreamServiceOptions> & { readonly port: number }) {
  return new StreamService(options);
}
