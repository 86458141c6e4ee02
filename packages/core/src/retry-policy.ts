/** A retry interval with its jitter. */
export interface RetryTiming {
  readonly intervalMs: number;
  readonly jitterMs: number;
}

/**
 * The delay before a retry: `intervalMs` moved by up to ±`jitterMs`, never below 0.
 * `random01` is a number in [0, 1) from the injected random source.
 */
export function retryDelay({ intervalMs, jitterMs }: RetryTiming, random01: number): number {
  const offset = (random01 * 2 - 1) * jitterMs;
  return Math.max(0, Math.round(intervalMs + offset));
}
