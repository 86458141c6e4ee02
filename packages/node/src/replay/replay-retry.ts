import { type BackoffTiming, backoffDelay } from '@coordinator/transport';

/** How a replay retries an Outcome the target could not take for now. */
export interface ReplayRetryTiming extends BackoffTiming {
  /** Tries per Outcome, the first one included; then the replay stops. */
  readonly maxAttempts: number;
}

/** @default 200 ms doubling up to 10 s, 8 tries (about 40 s of trouble per Outcome at most). */
export const defaultReplayRetry: ReplayRetryTiming = Object.freeze({
  initialDelayMs: 200,
  maxDelayMs: 10_000,
  maxAttempts: 8,
});

/**
 * What a target's answer means for one Outcome: `sent` (it took it), `skipped` (it had it
 * already), `retry` (not now: try again after a backoff) or `terminal` (it never will: stop).
 */
export type ReplayVerdict = 'sent' | 'skipped' | 'retry' | 'terminal';

/**
 * The verdict of an HTTP status: 208 and 409 are `skipped` (the target had the Outcome), any
 * other 2xx `sent`; 408, 429 and 5xx `retry`; anything else (other 4xx, unfollowed 3xx, 1xx)
 * `terminal`. A connection error or a timeout has no status and is a `retry`.
 */
export function verdictOfStatus(status: number): ReplayVerdict {
  if (status === 208 || status === 409) return 'skipped';
  if (status >= 200 && status < 300) return 'sent';
  if (status === 408 || status === 429 || (status >= 500 && status < 600)) return 'retry';
  return 'terminal';
}

/**
 * The wait before the next try after try `attempt` (0 for the first) was answered `retry`, or
 * `undefined` once `maxAttempts` tries are used up. The exponential backoff with equal jitter
 * of {@link backoffDelay}, stretched to a target's `Retry-After` (`retryAfterMs`) when that is
 * longer, and never past `maxDelayMs`. `random01` is in [0, 1).
 */
export function replayRetryDelay(
  timing: ReplayRetryTiming,
  attempt: number,
  random01: number,
  retryAfterMs = 0,
): number | undefined {
  if (attempt + 1 >= timing.maxAttempts) return undefined;
  const backoff = backoffDelay(timing, attempt, random01);
  return Math.min(timing.maxDelayMs, Math.max(backoff, Math.ceil(retryAfterMs)));
}

/** A `Retry-After` header's wait in ms (seconds or an HTTP date); undefined when absent or bad. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
