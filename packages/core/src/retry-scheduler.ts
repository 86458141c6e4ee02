import type { Clock, TimerHandle } from './clock.js';
import { MinHeap } from './min-heap.js';

/**
 * Retry timers for any number of waiting Commands on one clock timer: a heap of due times, so a
 * node parking 100,000 Commands holds 100,000 heap entries, not 100,000 timers.
 */
export class RetryScheduler {
  readonly #clock: Clock;
  readonly #onDue: (id: string) => void;
  readonly #due = new Map<string, number>();
  readonly #heap = new MinHeap<string>();
  #timer: TimerHandle | undefined;
  #armedFor = Number.POSITIVE_INFINITY;

  constructor(clock: Clock, onDue: (id: string) => void) {
    this.#clock = clock;
    this.#onDue = onDue;
  }

  get size(): number {
    return this.#due.size;
  }

  /** When `id` is due, if it is scheduled. */
  dueAt(id: string): number | undefined {
    return this.#due.get(id);
  }

  /** The `count` earliest schedules, earliest first (one pass over them all: for status pages). */
  earliest(count: number): { id: string; at: number }[] {
    const best: { id: string; at: number }[] = [];
    for (const [id, at] of this.#due) {
      if (best.length === count && at >= (best.at(-1) as { at: number }).at) continue;
      let i = best.length;
      while (i > 0 && (best[i - 1] as { at: number }).at > at) i -= 1;
      best.splice(i, 0, { id, at });
      if (best.length > count) best.pop();
    }
    return best;
  }

  /** Schedules `id` `delayMs` from now, replacing any earlier schedule. */
  schedule(id: string, delayMs: number): void {
    const at = this.#clock.now() + delayMs;
    this.#due.set(id, at);
    this.#heap.push(at, id);
    this.#arm();
  }

  cancel(id: string): void {
    this.#due.delete(id);
  }

  /** Ids scheduled later than `delayMs` from now get rescheduled by `delayOf`. */
  hurry(delayMs: number, delayOf: () => number): void {
    const limit = this.#clock.now() + delayMs;
    for (const [id, at] of [...this.#due]) if (at > limit) this.schedule(id, delayOf());
  }

  /** Drops every schedule and the timer. */
  clear(): void {
    this.#due.clear();
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  #arm(): void {
    const next = this.#nextDue();
    if (next === undefined || next >= this.#armedFor) return;
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#armedFor = next;
    this.#timer = this.#clock.setTimer(() => this.#fire(), Math.max(0, next - this.#clock.now()));
  }

  #nextDue(): number | undefined {
    for (;;) {
      const id = this.#heap.peek();
      if (id === undefined) return undefined;
      const at = this.#heap.peekKey() as number;
      if (this.#due.get(id) === at) return at;
      this.#heap.pop();
    }
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = this.#clock.now();
    const due: string[] = [];
    for (let at = this.#nextDue(); at !== undefined && at <= now; at = this.#nextDue()) {
      const id = this.#heap.pop() as string;
      this.#due.delete(id);
      due.push(id);
    }
    this.#arm();
    for (const id of due) this.#onDue(id);
  }
}
