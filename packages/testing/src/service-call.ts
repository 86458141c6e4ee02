import type { ErrorData } from '@coordinator/core';
import type { StepAttempt } from './execution-scope.js';
import type { FaultKind } from './fault-schedule.js';

/** One call of a function reached through the receiver, and what the kit did with it. */
export interface ServiceCall {
  /** Its number in the run, from 0: the index of its fault in a schedule. */
  readonly index: number;
  readonly at: number;
  readonly commandId: string;
  /** The step it was made in; absent for a call outside any step (a bug the kit reports). */
  readonly step?: string;
  /** The service the step declares. */
  readonly service?: string;
  /** Its step attempt's index in `Run.attempts`. */
  readonly stepAttempt?: number;
  /** The function called, by its path in the receiver (`inventory.post`), or `(step)` for the
   * end of a step that called nothing through the receiver (its fault is injected there). */
  readonly target: string;
  readonly args: readonly unknown[];
  /** The step's idempotency key. */
  readonly idempotencyKey?: string;
  readonly fault: FaultKind;
  /** True when the service was called (it did the work, whatever the step heard). */
  readonly reached: boolean;
  /** What the service answered, once it did. */
  readonly answer?: { readonly value: unknown } | { readonly error: ErrorData };
}

/** Where a fault is asked for: one service call of one step attempt. */
export interface CallSite {
  /** The call's number in the run. */
  readonly index: number;
  readonly attempt: StepAttempt;
  /** Calls the attempt made before this one. */
  readonly callInAttempt: number;
  readonly target: string;
}

/** Decides the fault of each service call. */
export type FaultSource = (site: CallSite) => FaultKind;
