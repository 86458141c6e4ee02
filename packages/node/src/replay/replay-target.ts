import { type ArchivedOutcome, isErrorCode } from '@coordinator/core';
import { idempotencyHeader } from '@coordinator/transport';
import { type ReplayVerdict, retryAfterMs, verdictOfStatus } from './replay-retry.js';

/** What one try at handing an Outcome to the target came to. */
export interface TargetAnswer {
  readonly verdict: ReplayVerdict;
  /** The status and body, or the error: for messages. */
  readonly detail: string;
  /** The target asked to wait this long (`Retry-After`). */
  readonly retryAfterMs?: number;
}

/** Hands one Outcome to where it is replayed to; never throws. */
export type ReplayTarget = (outcome: ArchivedOutcome) => Promise<TargetAnswer>;

/**
 * What a config's `outcomeReplay` hook does with one Outcome: return `'skipped'` when the target
 * had it already (anything else counts as sent); throw a `CoordinatorError` with a retryable code
 * (`DELAYED`, `BLOCKED`, `CONNECTION_LOST`, ...) to have it tried again after a backoff, or any
 * other error to stop the replay there.
 */
export type OutcomeReplayHook<Rcv = unknown> = (
  outcome: ArchivedOutcome,
  receiver: Rcv,
) => unknown | Promise<unknown>;

const snippetChars = 500;

function snippet(text: string): string {
  return text.length > snippetChars ? `${text.slice(0, snippetChars)}…` : text;
}

/**
 * POSTs each Outcome to `url` as JSON (the item as `GET /v1/outcomes` lists it) with its
 * idempotency key in the `Idempotency-Key` header, encoded as the service gateways encode it.
 * The status is read by {@link verdictOfStatus}; a connection error or no answer within
 * `timeoutMs` is a retry.
 */
export function httpTarget(url: string, { timeoutMs }: { timeoutMs: number }): ReplayTarget {
  const target = new URL(url);
  return async (outcome) => {
    let response: Response;
    let body: string;
    try {
      response = await fetch(target, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'idempotency-key': idempotencyHeader(outcome.idempotencyKey),
        },
        body: JSON.stringify(outcome),
        signal: AbortSignal.timeout(timeoutMs),
      });
      body = await response.text();
    } catch (error) {
      const name = (error as Error).name;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason =
        name === 'TimeoutError' || name === 'AbortError'
          ? `no answer within ${timeoutMs} ms`
          : `${cause?.code ?? ''} ${cause?.message ?? (error as Error).message}`.trim();
      return { verdict: 'retry', detail: `POST ${url} failed: ${reason}` };
    }
    const wait = retryAfterMs(response.headers.get('retry-after'), Date.now());
    return {
      verdict: verdictOfStatus(response.status),
      detail: `${url} answered ${response.status}: ${snippet(body)}`,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    };
  };
}

/** Calls a config's `outcomeReplay` hook per Outcome (see {@link OutcomeReplayHook}). */
export function hookTarget<Rcv>(hook: OutcomeReplayHook<Rcv>, receiver: Rcv): ReplayTarget {
  return async (outcome) => {
    try {
      const answer = await hook(outcome, receiver);
      return answer === 'skipped'
        ? { verdict: 'skipped', detail: 'the hook had it already' }
        : { verdict: 'sent', detail: 'the hook took it' };
    } catch (error) {
      const { code, retryable, message } = error as {
        code?: unknown;
        retryable?: unknown;
        message?: unknown;
      };
      const named = isErrorCode(code) ? `${code}: ` : '';
      return {
        verdict: retryable === true ? 'retry' : 'terminal',
        detail: `the outcomeReplay hook threw ${named}${String(message ?? error)}`,
      };
    }
  };
}
