import type { CommandType, CommandView, CoordinatorOptions, LoggedRecord } from '@coordinator/core';
import type { StepAttempt } from './execution-scope.js';
import type { ServiceCall } from './service-call.js';
import type { TimelineEntry } from './timeline.js';
import type { Violation } from './violation.js';

/** A Command a run submitted (once or more, by one id). */
export interface SubmittedCommand {
  readonly id: string;
  readonly type: string;
  readonly payload: unknown;
}

/** What one run of a simulated node did: what the invariants, and yours, look at. */
export interface Run<Rcv> {
  readonly types: readonly CommandType<Rcv>[];
  /** Your receiver, as the run left it: read your fakes' state here. */
  readonly receiver: Rcv;
  /** The Driver options it ran with. */
  readonly options: CoordinatorOptions;
  /** The Commands submitted, in order of first submission. */
  readonly submitted: readonly SubmittedCommand[];
  /** The last view of each submitted Command the node knows. */
  readonly commands: readonly CommandView[];
  /** The durable log, in the order it was written. */
  readonly records: readonly LoggedRecord[];
  /** Every call made through the receiver, with the fault it got. */
  readonly calls: readonly ServiceCall[];
  /** Every step (and compensation) execution. */
  readonly attempts: readonly StepAttempt[];
  /** Everything in order: submissions, records, steps, calls, crashes, suspension, violations. */
  readonly entries: readonly TimelineEntry[];
  /** The violations seen while it ran (a recorded step running again, a call outside a step). */
  readonly violations: readonly Violation[];
  /** True when nothing was left to do; false when the time budget ran out first. */
  readonly settled: boolean;
}
