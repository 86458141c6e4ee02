import type { LifecycleState } from './command-machine.js';
import type { CommandState } from './command-state.js';
import type { ErrorData } from './errors.js';
import type { CommandEvent, FailedStep, StepOutcome } from './records.js';

/** What a caller sees of one Command. */
export interface CommandView {
  readonly id: string;
  readonly type: string;
  readonly payload: unknown;
  readonly state: LifecycleState;
  /** The `executing` sub-state: the step running or to run next. */
  readonly step: string;
  readonly partition: number;
  readonly attempts: number;
  readonly outcomes: readonly StepOutcome[];
  readonly failures: readonly FailedStep[];
  /** The timeline: every record the Command went through. */
  readonly events: readonly CommandEvent[];
  readonly result?: unknown;
  readonly error?: ErrorData;
  readonly lastError?: ErrorData;
  /** An operator cancelled it; it ends at its next step boundary. */
  readonly cancelled?: boolean;
  readonly nextRetryAt?: number;
  readonly acceptedAt: number;
  readonly updatedAt: number;
}

export interface CommandFilter {
  readonly state?: LifecycleState;
  readonly type?: string;
  /** Ids starting with this. */
  readonly idPrefix?: string;
  /** Commands of types that call this service. */
  readonly service?: string;
  /** Accepted at or after this time (ms since the epoch). */
  readonly since?: number;
  /** Accepted before this time (ms since the epoch). */
  readonly until?: number;
  /** The page after this cursor (a list's `next`). */
  readonly after?: string;
  /** @default 100 */
  readonly limit?: number;
}

/** A Command's view: a copy, so later records never change a view handed out. */
export function commandView(command: CommandState, nextRetryAt?: number): CommandView {
  return {
    id: command.id,
    type: command.type,
    payload: command.payload,
    state: command.current.state,
    step: command.current.position,
    partition: command.partition,
    attempts: command.attempts,
    outcomes: [...command.outcomes],
    failures: [...command.failures],
    events: [...command.events],
    ...(command.current.state === 'done' && command.error === undefined
      ? { result: command.result }
      : {}),
    ...(command.error ? { error: command.error } : {}),
    ...(command.lastError ? { lastError: command.lastError } : {}),
    ...(command.cancelled ? { cancelled: true } : {}),
    ...(nextRetryAt !== undefined ? { nextRetryAt } : {}),
    acceptedAt: command.acceptedAt,
    updatedAt: command.updatedAt,
  };
}
