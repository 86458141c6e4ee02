import { codeBodyState, type MachineEvent } from './command-machine.js';
import type { CommandType } from './command-type.js';
import { CoordinatorError, type ErrorData } from './errors.js';
import type { MachineState } from './machine-stepper.js';
import type {
  CommandEvent,
  CommandSnapshotData,
  FailedStep,
  LogRecord,
  RecordKind,
  StepOutcome,
} from './records.js';

/**
 * One Command as its records leave it: the compact form a coordinator node keeps for every unfinished
 * Command (a parked Command costs this object, not a live actor).
 */
export interface CommandState {
  readonly id: string;
  readonly type: string;
  readonly payload: unknown;
  /** The partition its records live in. */
  readonly partition: number;
  /** Where the Command stands in its type's machine. */
  current: MachineState;
  /** Executions so far: 1 once started, +1 per retry. */
  attempts: number;
  /** Outcomes in the order they were recorded (compensations included). */
  outcomes: StepOutcome[];
  /** Saga steps and compensations that failed terminally. */
  failures: FailedStep[];
  /** The Command's timeline: every record it went through, without the data. */
  events: CommandEvent[];
  /** Why the Command last went to delayed or blocked. */
  lastError: ErrorData | undefined;
  /** An operator cancelled it: its next step boundary ends it (a saga compensates first). */
  cancelled: boolean;
  result: unknown;
  error: ErrorData | undefined;
  /** The first log position replay needs to rebuild this Command. */
  firstPosition: number;
  /** The position of its latest record. */
  lastPosition: number;
  readonly acceptedAt: number;
  updatedAt: number;
}

/**
 * The machine event each record kind stands for (accepted and snapshot create, not step;
 * cancelled marks, not step).
 */
export const machineEventOf: { readonly [K in RecordKind]: MachineEvent | undefined } = {
  accepted: undefined,
  snapshot: undefined,
  cancelled: undefined,
  started: 'START',
  outcome: 'OUTCOME',
  failed: 'FAILED',
  delayed: 'DELAYED',
  blocked: 'BLOCKED',
  retried: 'RETRY',
  done: 'DONE',
};

function invalid(message: string): CoordinatorError {
  return new CoordinatorError('INVALID_RECORD', message);
}

/** A new Command in `pending`, from its accepted record. */
export function acceptCommand(
  commandType: CommandType<never>,
  record: { id: string; payload: unknown; at: number },
  position: number,
  partition: number,
): CommandState {
  return {
    id: record.id,
    type: commandType.type,
    payload: record.payload,
    partition,
    current: commandType.stepper.initial,
    attempts: 0,
    outcomes: [],
    failures: [],
    events: [{ kind: 'accepted', at: record.at, key: commandType.stepper.initial.key }],
    lastError: undefined,
    cancelled: false,
    result: undefined,
    error: undefined,
    firstPosition: position,
    lastPosition: position,
    acceptedAt: record.at,
    updatedAt: record.at,
  };
}

/** Rebuilds a Command from a snapshot record. */
export function restoreCommand(
  commandType: CommandType<never>,
  id: string,
  data: CommandSnapshotData,
  position: number,
  at: number,
  partition: number,
): CommandState {
  const current = commandType.stepper.find(data.state, data.history);
  if (!current) {
    throw invalid(
      `Snapshot of ${id} names state ${data.state} (history ${data.history || 'none'}), which Command type ${data.type} does not have`,
    );
  }
  return {
    id,
    type: data.type,
    payload: data.payload,
    partition,
    current,
    attempts: data.attempts,
    outcomes: [...data.outcomes],
    failures: [...data.failures],
    events: [...data.events],
    lastError: data.lastError,
    cancelled: data.cancelled === true,
    result: undefined,
    error: undefined,
    firstPosition: position,
    lastPosition: position,
    // The timeline starts with the accepted record and ends with the Command's latest record, as
    // on the live Command (the snapshot's own time is when it was carried, not when it changed).
    acceptedAt: data.events.find((e) => e.kind === 'accepted')?.at ?? at,
    updatedAt: data.events.at(-1)?.at ?? at,
  };
}

/** The snapshot record's content for an unfinished Command. */
export function snapshotOf(command: CommandState): CommandSnapshotData {
  return {
    type: command.type,
    payload: command.payload,
    state: command.current.key,
    history: command.current.history,
    attempts: command.attempts,
    outcomes: command.outcomes,
    failures: command.failures,
    events: command.events,
    ...(command.lastError ? { lastError: command.lastError } : {}),
    ...(command.cancelled ? { cancelled: true } : {}),
  };
}

/** The recorded Outcome of `step`, if any. */
export function outcomeOf(command: CommandState, step: string): StepOutcome | undefined {
  for (const o of command.outcomes) if (o.step === step) return o;
  return undefined;
}

/**
 * The machine state a record moves its Command to.
 * @throws CoordinatorError `INVALID_RECORD` when the record is not a valid next step.
 */
export function nextState(
  command: CommandState,
  record: LogRecord,
  position: number,
): MachineState {
  if (record.kind === 'cancelled') {
    if (command.current.state === 'done') {
      throw invalid(`Record cancelled at ${position} is not valid for ${command.id}: it is done`);
    }
    return command.current;
  }
  const event = machineEventOf[record.kind];
  const next = event && command.current.next.get(event);
  if (!next) {
    throw invalid(
      `Record ${record.kind} at ${position} is not valid for ${command.id} in state ${command.current.key}`,
    );
  }
  if (
    (record.kind === 'outcome' || record.kind === 'failed') &&
    command.current.position !== codeBodyState &&
    command.current.position !== record.step
  ) {
    throw invalid(
      `Record ${record.kind} at ${position} is for step ${record.step}, but ${command.id} is at ${command.current.position}`,
    );
  }
  if (record.kind === 'outcome' && outcomeOf(command, record.step)) {
    throw invalid(
      `Step ${record.step} of ${command.id} already has an Outcome (record at ${position})`,
    );
  }
  return next;
}

/**
 * Applies one record to its Command: the single fold both the live driver and replay use, so that
 * replaying a log rebuilds exactly what the live run held.
 * @throws CoordinatorError `INVALID_RECORD` when the record is not a valid next step.
 */
export function applyRecord(command: CommandState, record: LogRecord, position: number): void {
  const next = nextState(command, record, position);
  switch (record.kind) {
    case 'started':
    case 'retried':
      command.attempts += 1;
      break;
    case 'outcome':
      command.outcomes.push({
        step: record.step,
        service: record.service,
        outcome: record.outcome,
      });
      break;
    case 'failed':
      command.failures.push({ step: record.step, error: record.error });
      break;
    case 'delayed':
    case 'blocked':
      command.lastError = record.error;
      break;
    case 'cancelled':
      command.cancelled = true;
      break;
    case 'done':
      command.result = record.result;
      command.error = record.error;
      break;
  }
  const event = machineEventOf[record.kind];
  const transition = event && command.current.transitions.get(event);
  command.events.push(timelineEntry(record, next.key, transition));
  command.current = next;
  command.lastPosition = position;
  command.updatedAt = record.at;
}

/**
 * What a timeline keeps of a record: where it led and what it says, not its data. Literal objects,
 * no spreads: a parked Command keeps its timeline in memory, and spread copies are larger.
 */
function timelineEntry(
  record: LogRecord,
  key: string,
  transition: string | undefined,
): CommandEvent {
  const { kind, at } = record;
  switch (record.kind) {
    case 'outcome':
      return { kind, at, key, transition, step: record.step, service: record.service };
    case 'failed':
    case 'delayed':
    case 'blocked': {
      const { step, service, error } = record;
      return service === undefined
        ? { kind, at, key, transition, step, code: error.code, message: error.message }
        : { kind, at, key, transition, step, service, code: error.code, message: error.message };
    }
    case 'done':
      return record.error
        ? { kind, at, key, transition, code: record.error.code, message: record.error.message }
        : { kind, at, key, transition };
    case 'retried':
      return record.by
        ? { kind, at, key, transition, by: record.by }
        : { kind, at, key, transition };
    default:
      return transition === undefined ? { kind, at, key } : { kind, at, key, transition };
  }
}
