import { setTimeout as sleep } from 'node:timers/promises';
import type { ArchivedOutcome, OutcomePage, OutcomeRetentionState } from '@coordinator/core';
import { type ReplayRetryTiming, replayRetryDelay } from './replay-retry.js';

export interface ReplaySourceInput {
  /** The pages of the service's Outcomes after a cursor (from the oldest without one). */
  readonly pages: (after: string | undefined) => AsyncIterator<OutcomePage>;
  readonly after: string | undefined;
  readonly retry: ReplayRetryTiming;
  /** In [0, 1), for the backoff's jitter. */
  readonly random: () => number;
  /** Told the first page's retention. */
  readonly onRetention?: (retention: OutcomeRetentionState) => void;
  /** Told each failed read that will be tried again, and the wait before it. */
  readonly onRetry?: (error: unknown, delayMs: number) => void;
}

const isRetryable = (error: unknown) => (error as { retryable?: unknown }).retryable === true;

/**
 * A service's Outcomes after `after`, one at a time, in log order, the next page read while this
 * one is sent. A read the node refuses with a retryable error (`CONNECTION_LOST`, `NOT_READY`, ...)
 * is tried again after {@link replayRetryDelay}, from the last Outcome handed out, so none is
 * missed or handed out twice; any other error, or one past `maxAttempts` tries, is thrown.
 */
export async function* replaySource(input: ReplaySourceInput): AsyncGenerator<ArchivedOutcome> {
  let cursor = input.after;
  let first = true;
  let attempt = 0;
  for (;;) {
    const pages = input.pages(cursor);
    let next = pages.next();
    try {
      for (;;) {
        let page: IteratorResult<OutcomePage>;
        try {
          page = await next;
        } catch (error) {
          const delayMs = isRetryable(error)
            ? replayRetryDelay(input.retry, attempt, input.random())
            : undefined;
          if (delayMs === undefined) throw error;
          attempt += 1;
          input.onRetry?.(error, delayMs);
          await sleep(delayMs);
          break;
        }
        if (page.done) return;
        attempt = 0;
        if (first) input.onRetention?.(page.value.retention);
        first = false;
        next = pages.next();
        // Its failure is seen when awaited, or never if the replay stops first.
        next.catch(() => undefined);
        for (const outcome of page.value.items) {
          cursor = outcome.cursor;
          yield outcome;
        }
      }
    } finally {
      await pages.return?.(undefined);
    }
  }
}
