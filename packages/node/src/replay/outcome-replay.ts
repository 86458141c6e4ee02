import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ArchivedOutcome } from '@coordinator/core';
import { defaultReplayRetry, type ReplayRetryTiming, replayRetryDelay } from './replay-retry.js';
import type { ReplayTarget, TargetAnswer } from './replay-target.js';

export interface ReplayInput {
  /** The Outcomes to send, in log order. */
  readonly outcomes: AsyncIterable<ArchivedOutcome>;
  readonly target: ReplayTarget;
  readonly concurrency: number;
  /** Sends a second at most, retries included; 0 for no bound. */
  readonly ratePerSecond: number;
  /** @default 200 ms doubling up to 10 s, 8 tries ({@link defaultReplayRetry}) */
  readonly retry?: ReplayRetryTiming;
  /** In [0, 1), for the backoff's jitter. @default Math.random */
  readonly random?: () => number;
  /** Told the cursor below which every Outcome is done, each time it moves on. */
  readonly onCursor?: (cursor: string) => void;
  /** Told each Outcome the target took or had already. */
  readonly onDone?: (outcome: ArchivedOutcome, verdict: 'sent' | 'skipped') => void;
  /** Told each retry: the answer and the wait before the next try (`attempt` counts from 0). */
  readonly onRetry?: (
    outcome: ArchivedOutcome,
    answer: TargetAnswer,
    attempt: number,
    delayMs: number,
  ) => void;
  /** Aborting it stops the replay after the sends under way (an interruption, not a failure). */
  readonly signal?: AbortSignal;
}

/** Why a replay ended before the last Outcome. */
type ReplayStop =
  | {
      /** `terminal`: the target refused it; `retries`: it was not taken within `maxAttempts`. */
      readonly reason: 'terminal' | 'retries';
      readonly outcome: ArchivedOutcome;
      readonly detail: string;
      readonly attempts: number;
    }
  | { readonly reason: 'source'; readonly error: unknown }
  | { readonly reason: 'interrupted' };

export interface ReplaySummary {
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
  /** The cursor below which every Outcome is done; undefined when none was. */
  readonly cursor: string | undefined;
  /** Set when the replay ended early; everything after `cursor` is to be sent again. */
  readonly stop?: ReplayStop;
}

/** Spaces sends `1000 / perSecond` ms apart; no bound for 0. Resolves early once `signal` aborts. */
function pacer(perSecond: number): (signal: AbortSignal) => Promise<void> {
  if (perSecond <= 0) return async () => undefined;
  const gapMs = 1000 / perSecond;
  let next = 0;
  return async (signal) => {
    const now = performance.now();
    const at = Math.max(now, next);
    next = at + gapMs;
    if (at - now >= 1) await sleep(at - now, undefined, { signal }).catch(() => undefined);
  };
}

/**
 * Sends every Outcome to the target, up to `concurrency` at once and `ratePerSecond`, never two of
 * one idempotency key at once or out of order. A `retry` answer is tried again after
 * {@link replayRetryDelay}; a `terminal` one, or a retry past `maxAttempts`, stops the replay:
 * no new Outcome is started, those under way finish. The cursor only moves past an Outcome once it
 * and every one before it are done, so a replay resumed from it leaves no gap.
 */
export async function replayOutcomes(input: ReplayInput): Promise<ReplaySummary> {
  const { concurrency, retry = defaultReplayRetry, random = Math.random, target } = input;
  /** Done Outcomes past the first unfinished one, at most: bounds what a resume sends again. */
  const window = Math.max(1024, concurrency * 64);
  const pace = pacer(input.ratePerSecond);
  const halt = new AbortController();
  // Every send waiting for its turn or its retry listens to it.
  setMaxListeners(0, halt.signal);
  const counts = { sent: 0, skipped: 0, failed: 0 };
  let stop: ReplayStop | undefined;
  let cursor: string | undefined;
  let read = 0;
  /** The first Outcome (by read order) not done yet. */
  let low = 0;
  const doneAhead = new Set<number>();
  const cursors = new Map<number, string>();
  const lastOfKey = new Map<string, Promise<void>>();
  const running = new Set<Promise<void>>();
  let wake: () => void = () => undefined;

  const halted = (why: ReplayStop) => {
    stop ??= why;
    halt.abort();
    wake();
  };
  const interrupt = () => halted({ reason: 'interrupted' });
  if (input.signal?.aborted) interrupt();
  input.signal?.addEventListener('abort', interrupt);

  const finish = (index: number) => {
    doneAhead.add(index);
    const from = low;
    while (doneAhead.delete(low)) {
      cursor = cursors.get(low);
      cursors.delete(low);
      low += 1;
    }
    if (low > from && cursor !== undefined) input.onCursor?.(cursor);
  };

  const send = async (outcome: ArchivedOutcome, index: number, before?: Promise<void>) => {
    await before;
    for (let attempt = 0; ; attempt++) {
      if (halt.signal.aborted) return;
      await pace(halt.signal);
      if (halt.signal.aborted) return;
      const answer = await target(outcome);
      if (answer.verdict === 'sent' || answer.verdict === 'skipped') {
        counts[answer.verdict] += 1;
        input.onDone?.(outcome, answer.verdict);
        finish(index);
        return;
      }
      const delayMs =
        answer.verdict === 'retry'
          ? replayRetryDelay(retry, attempt, random(), answer.retryAfterMs)
          : undefined;
      if (delayMs === undefined) {
        counts.failed += 1;
        const reason = answer.verdict === 'retry' ? 'retries' : 'terminal';
        halted({ reason, outcome, detail: answer.detail, attempts: attempt + 1 });
        return;
      }
      input.onRetry?.(outcome, answer, attempt, delayMs);
      await sleep(delayMs, undefined, { signal: halt.signal }).catch(() => undefined);
    }
  };

  const iterator = input.outcomes[Symbol.asyncIterator]();
  try {
    for (;;) {
      while (!halt.signal.aborted && (running.size >= concurrency || read - low >= window)) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      if (halt.signal.aborted) break;
      let next: IteratorResult<ArchivedOutcome>;
      try {
        next = await iterator.next();
      } catch (error) {
        halted({ reason: 'source', error });
        break;
      }
      if (next.done || halt.signal.aborted) break;
      const outcome = next.value;
      const index = read++;
      cursors.set(index, outcome.cursor);
      const key = outcome.idempotencyKey;
      const task: Promise<void> = send(outcome, index, lastOfKey.get(key))
        .catch((error: unknown) =>
          halted({ reason: 'terminal', outcome, detail: String(error), attempts: 1 }),
        )
        .finally(() => {
          running.delete(task);
          if (lastOfKey.get(key) === task) lastOfKey.delete(key);
          wake();
        });
      lastOfKey.set(key, task);
      running.add(task);
    }
  } finally {
    input.signal?.removeEventListener('abort', interrupt);
    await Promise.all(running);
    await iterator.return?.().catch(() => undefined);
  }
  return { ...counts, cursor, ...(stop ? { stop } : {}) };
}
