/** Reconnect timing: exponential from `initialDelayMs`, capped at `maxDelayMs`. */
export interface BackoffTiming {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first): the exponential step
 * `min(max, initial · 2^attempt)` with "equal jitter", so that it lies in [step/2, step) and clients
 * that lost the same server spread out. `random` is in [0, 1).
 */
export function backoffDelay(timing: BackoffTiming, attempt: number, random: number): number {
  const step = Math.min(timing.maxDelayMs, timing.initialDelayMs * 2 ** Math.min(attempt, 52));
  return Math.floor(step / 2 + (random * step) / 2);
}
