import type { Clock, TimerHandle } from '../clock.js';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
}

/** Virtual time: timers fire only when the test moves the clock. */
export class SimulatedClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers = new Set<Timer>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const timer: Timer = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, callback };
    this.#timers.add(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    this.#timers.delete(handle as Timer);
  }

  /** Armed timers. */
  get pending(): number {
    return this.#timers.size;
  }

  /** When the next timer fires, if one is armed. */
  nextAt(): number | undefined {
    return this.#next()?.at;
  }

  /** Jumps to the next timer and fires it. Returns false when none is armed. */
  fireNext(): boolean {
    const timer = this.#next();
    if (!timer) return false;
    this.#timers.delete(timer);
    this.#now = Math.max(this.#now, timer.at);
    timer.callback();
    return true;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (let timer = this.#next(); timer && timer.at <= until; timer = this.#next()) {
      this.fireNext();
    }
    this.#now = until;
  }

  #next(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) {
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
