import { toErrorData } from '@coordinator/core';
import { CheckFailure } from './check-failure.js';
import { builtInViolations, type ReferenceRun } from './invariants.js';
import { referenceRuns } from './reference-run.js';
import type { Run } from './run.js';
import type { InvariantName, Violation } from './violation.js';

export interface CheckOptions<Rcv> {
  /**
   * Your own invariant over the run (`run.receiver` is your fakes' state, `run.calls` every call
   * they received): throw, or fail an `expect`, when it breaks.
   */
  readonly invariant?: (run: Run<Rcv>) => void | Promise<void>;
  /** Built-in invariants not to check. @default none */
  readonly except?: readonly InvariantName[];
  /**
   * A fresh receiver for the fault-free runs `transient-result` compares with. Runs made by
   * `runSchedule` know theirs; without one that invariant is skipped.
   */
  readonly receiver?: () => Rcv;
}

const references = new WeakMap<Run<unknown>, ReferenceRun>();

/** Tells {@link checkRun} how to get the fault-free end of the run's Commands. */
export function rememberReference(run: Run<unknown>, reference: ReferenceRun): void {
  references.set(run, reference);
}

/** Every invariant the run breaks, the kit's (but those in `except`) and yours. */
export async function findViolations<Rcv>(
  run: Run<Rcv>,
  options: CheckOptions<Rcv> = {},
): Promise<Violation[]> {
  const any = run as Run<unknown>;
  const reference = options.receiver
    ? referenceRuns(run.types, options.receiver, run.options)
    : references.get(any);
  const violations = await builtInViolations(any, options.except ?? [], reference);
  if (options.invariant) {
    try {
      await options.invariant(run);
    } catch (error) {
      violations.push({ invariant: 'invariant', message: toErrorData(error).message });
    }
  }
  return violations;
}

/**
 * Checks a run against the invariants; throws a {@link CheckFailure} whose message is the run's
 * timeline when one breaks.
 */
export async function checkRun<Rcv>(run: Run<Rcv>, options: CheckOptions<Rcv> = {}): Promise<void> {
  const violations = await findViolations(run, options);
  if (violations.length > 0) {
    throw new CheckFailure('The run breaks the invariants', violations, run as Run<unknown>);
  }
}
