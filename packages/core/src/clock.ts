/** An armed timer, as the clock hands it out. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** Time, injected: the system clock in a node, a simulated one in tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}
