import { CoordinatorError } from '@coordinator/core';
import type { FaultKind } from './fault-schedule.js';

/** The error a call of a crashed node gets: it never reaches the service. */
export function crashedError(): CoordinatorError {
  return withoutStack(
    () => new CoordinatorError('CLOSED', 'The node crashed (the testing kit stopped it here)'),
  );
}

/** Runs `make` without capturing a stack: an injected fault's stack says nothing, and capturing
 * one is most of what a run of a few steps costs. */
function withoutStack<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The error a step sees for an injected fault (`ok` is none: the call goes through). */
export function injectedError(fault: FaultKind, target: string, index: number): CoordinatorError {
  return withoutStack(() => faultError(fault, target, index));
}

function faultError(fault: FaultKind, target: string, index: number): CoordinatorError {
  const at = `by the testing kit at call #${index}`;
  switch (fault) {
    case 'delayed':
      return CoordinatorError.delayed(`${target} unavailable (injected ${at}; not sent)`);
    case 'blocked':
      return CoordinatorError.blocked(`${target} circuit open (injected ${at}; not sent)`);
    case 'terminal':
      return new CoordinatorError('STEP_FAILED', `${target} refused for good (injected ${at})`);
    default:
      return CoordinatorError.delayed(
        `${target} did the work but its answer was lost (timeout injected ${at})`,
      );
  }
}
