import type { Clock, TimerHandle } from '@coordinator/core';

export interface KeepaliveHooks {
  /** Nothing was sent for an interval: send a ping. */
  readonly ping: () => void;
  /** Nothing was received for the timeout: the peer is gone. */
  readonly silent: (silentMs: number) => void;
}

/**
 * Liveness of one connection, checked once per interval: a side that sent nothing during an
 * interval pings, and a peer heard from during none of the intervals spanning the timeout is
 * declared silent. Frames only set flags; only the timer reads the clock.
 */
export class Keepalive {
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #hooks: KeepaliveHooks;
  #timer: TimerHandle | undefined;
  #sent = false;
  #received = false;
  #held = false;
  #silentMs = 0;

  constructor(clock: Clock, intervalMs: number, timeoutMs: number, hooks: KeepaliveHooks) {
    this.#clock = clock;
    this.#intervalMs = intervalMs;
    this.#timeoutMs = timeoutMs;
    this.#hooks = hooks;
  }

  start(): void {
    this.stop();
    this.#silentMs = 0;
    this.#timer = this.#clock.setTimer(() => this.#tick(), this.#intervalMs);
  }

  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  sent(): void {
    this.#sent = true;
  }

  received(): void {
    this.#received = true;
  }

  /** While held (this side stopped reading), the peer's silence does not count. */
  hold(held: boolean): void {
    this.#held = held;
  }

  #tick(): void {
    this.#timer = undefined;
    if (!this.#sent) this.#hooks.ping();
    this.#sent = false;
    this.#silentMs = this.#received || this.#held ? 0 : this.#silentMs + this.#intervalMs;
    this.#received = false;
    if (this.#silentMs >= this.#timeoutMs) {
      this.#hooks.silent(this.#silentMs);
      return;
    }
    this.#timer = this.#clock.setTimer(() => this.#tick(), this.#intervalMs);
  }
}
