import type { Clock, TimerHandle } from '@coordinator/core';
import type { SimulatedClock } from '@coordinator/core/testing';
import { type ExecutionScope, executionScope } from './execution-scope.js';

/**
 * One node incarnation's clock over the run's virtual time: its timers fire inside the
 * incarnation's scope, and all of them stop when it crashes (a dead process retries nothing).
 */
export class IncarnationClock implements Clock {
  readonly #base: SimulatedClock;
  readonly #scope: ExecutionScope;
  readonly #timers = new Set<TimerHandle>();

  constructor(base: SimulatedClock, scope: ExecutionScope) {
    this.#base = base;
    this.#scope = scope;
  }

  now(): number {
    return this.#base.now();
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    if (this.#scope.incarnation.dead) return {};
    const handle = this.#base.setTimer(() => {
      this.#timers.delete(handle);
      executionScope.run(this.#scope, callback);
    }, delayMs);
    this.#timers.add(handle);
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    this.#base.clearTimer(handle);
    this.#timers.delete(handle);
  }

  /** Disarms every timer of this incarnation. */
  stop(): void {
    for (const handle of this.#timers) this.#base.clearTimer(handle);
    this.#timers.clear();
  }
}
