import { type CircuitBreakerOptions, circuitBreakerOptions } from './circuit-breaker-options.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** Leave to make one call; report its outcome with `succeeded` or `failed`. */
export interface BreakerPermit {
  readonly generation: number;
}

/**
 * A circuit breaker: closed (calls pass; `failureThreshold` consecutive failures open it), open
 * (calls are refused until `openMs` passed), half-open (up to `halfOpenMaxCalls` trial calls at
 * once; `successThreshold` successes close it, one failure opens it again). Every change of state
 * starts a new generation; outcomes of calls let through in an earlier generation are ignored.
 */
export class CircuitBreaker {
  readonly options: CircuitBreakerOptions;
  #state: BreakerState = 'closed';
  #generation = 0;
  #failures = 0;
  #successes = 0;
  #trials = 0;
  #openUntil = 0;

  constructor(options?: Partial<CircuitBreakerOptions>) {
    this.options = circuitBreakerOptions.resolve(options);
  }

  /** The state now (an open circuit whose time is up reads as half-open). */
  get state(): BreakerState {
    this.#expire();
    return this.#state;
  }

  /** While open: when trial calls will be let through. */
  get retryAt(): number | undefined {
    return this.state === 'open' ? this.#openUntil : undefined;
  }

  /** A permit for one call, or undefined when the circuit refuses it. */
  acquire(): BreakerPermit | undefined {
    this.#expire();
    if (this.#state === 'open') return undefined;
    if (this.#state === 'half-open') {
      if (this.#trials >= this.options.halfOpenMaxCalls) return undefined;
      this.#trials += 1;
    }
    return { generation: this.#generation };
  }

  succeeded(permit: BreakerPermit): void {
    if (permit.generation !== this.#generation) return;
    if (this.#state === 'closed') {
      this.#failures = 0;
    } else if (this.#state === 'half-open') {
      this.#trials -= 1;
      this.#successes += 1;
      if (this.#successes >= this.options.successThreshold) this.#enter('closed');
    }
  }

  failed(permit: BreakerPermit): void {
    if (permit.generation !== this.#generation) return;
    if (this.#state === 'closed') {
      this.#failures += 1;
      if (this.#failures >= this.options.failureThreshold) this.#enter('open');
    } else if (this.#state === 'half-open') {
      this.#enter('open');
    }
  }

  #expire(): void {
    if (this.#state === 'open' && this.options.clock.now() >= this.#openUntil) {
      this.#enter('half-open');
    }
  }

  #enter(state: BreakerState): void {
    const from = this.#state;
    this.#state = state;
    this.#generation += 1;
    this.#failures = 0;
    this.#successes = 0;
    this.#trials = 0;
    if (state === 'open') this.#openUntil = this.options.clock.now() + this.options.openMs;
    this.options.onEvent({
      type: 'breaker.transition',
      service: this.options.service,
      from,
      to: state,
    });
  }
}
