import { CoordinatorError, type ErrorData } from './errors.js';

/** The record format version this build writes. Decoding rejects any other. */
export const recordVersion = 1;

interface RecordBase {
  readonly v: 1;
  /** The Command the record belongs to. */
  readonly id: string;
  /** Clock time the record was made, in ms. */
  readonly at: number;
}

/** The Command is durable; it is pending. */
export interface AcceptedRecord extends RecordBase {
  readonly kind: 'accepted';
  readonly type: string;
  readonly payload: unknown;
}
/** pending → executing. */
export interface StartedRecord extends RecordBase {
  readonly kind: 'started';
}
/** A step (or a compensation) succeeded; its Outcome. */
export interface OutcomeRecord extends RecordBase {
  readonly kind: 'outcome';
  readonly step: string;
  readonly service: string;
  readonly outcome: unknown;
  /**
   * The Command's type, for the Outcome archive (replay by service outlives the Command's other
   * records). Absent in records written before the archive existed.
   */
  readonly type?: string;
  /** Set when the step was a declared saga's compensation. */
  readonly compensation?: true;
}
/** A declared saga's step or compensation failed terminally. */
export interface FailedRecord extends RecordBase {
  readonly kind: 'failed';
  readonly step: string;
  /** The service the step calls, when known. */
  readonly service?: string;
  readonly error: ErrorData;
}
/** executing → delayed (CmdDelayed) or → blocked (CmdBlocked). */
export interface WaitRecord extends RecordBase {
  readonly kind: 'delayed' | 'blocked';
  readonly step: string;
  /** The service found unavailable, when known (a code body failing outside a step has none). */
  readonly service?: string;
  readonly error: ErrorData;
}
/** delayed or blocked → executing. */
export interface RetriedRecord extends RecordBase {
  readonly kind: 'retried';
  /** Set when an operator asked for the retry now, instead of its timer. */
  readonly by?: 'operator';
}
/**
 * An operator cancelled the Command: it changes no state by itself; at its next step boundary a
 * declared saga fails the step with `CANCELLED` (so its completed steps are compensated) and a
 * code body's next step throws `CANCELLED`.
 */
export interface CancelledRecord extends RecordBase {
  readonly kind: 'cancelled';
}
/** executing → done, with a result or an error. */
export interface DoneRecord extends RecordBase {
  readonly kind: 'done';
  readonly result?: unknown;
  readonly error?: ErrorData;
}
/** A carry-forward copy of an unfinished Command, so the checkpoint can pass its older records. */
export interface SnapshotRecord extends RecordBase {
  readonly kind: 'snapshot';
  readonly command: CommandSnapshotData;
}

/** Everything replay needs to rebuild one unfinished Command. */
export interface CommandSnapshotData {
  readonly type: string;
  readonly payload: unknown;
  readonly state: string;
  readonly history: string;
  readonly attempts: number;
  readonly outcomes: readonly StepOutcome[];
  readonly failures: readonly FailedStep[];
  readonly events: readonly CommandEvent[];
  /** Why the Command last went to delayed or blocked (absent when it never waited). */
  readonly lastError?: ErrorData;
  /** An operator cancelled it (its `cancelled` record lies before the snapshot). */
  readonly cancelled?: boolean;
}

/** One entry of a Command's timeline: a record it went through, without the data. */
export interface CommandEvent {
  readonly kind: RecordKind;
  readonly at: number;
  /**
   * The machine state the record left the Command in (`executing.charge`), and the transition it
   * took when it moved the machine (`executing.charge:OUTCOME:executing.ship`): a chart's
   * `data-state` and `data-transition` ids, so a Command's path is drawn from its timeline alone.
   * Absent in timelines a node recorded before it kept them.
   */
  readonly key?: string;
  readonly transition?: string | undefined;
  readonly step?: string;
  readonly service?: string;
  /** The error's code and message, on failed, delayed, blocked and done-with-error entries. */
  readonly code?: string;
  readonly message?: string;
  /** On a `retried` entry an operator asked for. */
  readonly by?: 'operator';
}

export interface StepOutcome {
  readonly step: string;
  readonly service: string;
  readonly outcome: unknown;
}

export interface FailedStep {
  readonly step: string;
  readonly error: ErrorData;
}

export type LogRecord =
  | AcceptedRecord
  | StartedRecord
  | OutcomeRecord
  | FailedRecord
  | WaitRecord
  | RetriedRecord
  | CancelledRecord
  | DoneRecord
  | SnapshotRecord;

export type RecordKind = LogRecord['kind'];

type FieldType =
  | 'string'
  | 'string?'
  | 'number'
  | 'any'
  | 'error'
  | 'snapshot'
  | 'error?'
  | 'any?'
  | 'operator?'
  | 'true?';

/**
 * The schema of version 1: each kind's fields beyond `v`, `kind`, `id` and `at`. Decoding checks a
 * record against it; unknown fields are refused so that a newer writer cannot be misread.
 */
export const recordSchema: { readonly [K in RecordKind]: Readonly<Record<string, FieldType>> } = {
  accepted: { type: 'string', payload: 'any' },
  started: {},
  outcome: {
    step: 'string',
    service: 'string',
    outcome: 'any',
    type: 'string?',
    compensation: 'true?',
  },
  failed: { step: 'string', service: 'string?', error: 'error' },
  delayed: { step: 'string', service: 'string?', error: 'error' },
  blocked: { step: 'string', service: 'string?', error: 'error' },
  retried: { by: 'operator?' },
  cancelled: {},
  done: { result: 'any?', error: 'error?' },
  snapshot: { command: 'snapshot' },
};

const baseFields = new Set(['v', 'kind', 'id', 'at']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isErrorData(value: unknown): value is ErrorData {
  return isObject(value) && typeof value.code === 'string' && typeof value.message === 'string';
}

function isSnapshotData(value: unknown): value is CommandSnapshotData {
  return (
    isObject(value) &&
    typeof value.type === 'string' &&
    typeof value.state === 'string' &&
    typeof value.history === 'string' &&
    typeof value.attempts === 'number' &&
    Array.isArray(value.outcomes) &&
    value.outcomes.every(
      (o) => isObject(o) && typeof o.step === 'string' && typeof o.service === 'string',
    ) &&
    Array.isArray(value.failures) &&
    value.failures.every(
      (f) => isObject(f) && typeof f.step === 'string' && isErrorData(f.error),
    ) &&
    Array.isArray(value.events) &&
    value.events.every(
      (e) => isObject(e) && typeof e.kind === 'string' && typeof e.at === 'number',
    ) &&
    (value.lastError === undefined || isErrorData(value.lastError)) &&
    (value.cancelled === undefined || typeof value.cancelled === 'boolean')
  );
}

function fits(type: FieldType, value: unknown, present: boolean): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'string?':
      return !present || typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'any':
      return present;
    case 'any?':
      return true;
    case 'operator?':
      return !present || value === 'operator';
    case 'true?':
      return !present || value === true;
    case 'error':
      return isErrorData(value);
    case 'error?':
      return !present || isErrorData(value);
    case 'snapshot':
      return isSnapshotData(value);
  }
}

function invalid(message: string): CoordinatorError {
  return new CoordinatorError('INVALID_RECORD', message);
}

/**
 * Checks that a decoded value is a record of this version and returns it typed.
 * @throws CoordinatorError `UNSUPPORTED_VERSION` for another version, `INVALID_RECORD` for any
 * malformed record.
 */
export function decodeRecord(value: unknown): LogRecord {
  if (!isObject(value)) throw invalid(`A record must be an object, got ${typeof value}`);
  if (value.v !== recordVersion) {
    throw new CoordinatorError(
      'UNSUPPORTED_VERSION',
      `Record version ${JSON.stringify(value.v)} is not supported (this build reads version ${recordVersion}); upgrade coordinator to read this log`,
    );
  }
  const kind = value.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(recordSchema, kind)) {
    throw invalid(`Unknown record kind ${JSON.stringify(kind)}`);
  }
  if (typeof value.id !== 'string' || value.id.length === 0) {
    throw invalid(`Record of kind ${kind} has no Command id`);
  }
  if (typeof value.at !== 'number' || !Number.isFinite(value.at)) {
    throw invalid(`Record of kind ${kind} for ${value.id} has no valid time \`at\``);
  }
  const fields = recordSchema[kind as RecordKind];
  for (const [field, type] of Object.entries(fields)) {
    if (!fits(type, value[field], Object.hasOwn(value, field))) {
      throw invalid(`Record of kind ${kind} for ${value.id} has an invalid \`${field}\``);
    }
  }
  for (const field of Object.keys(value)) {
    if (!baseFields.has(field) && !Object.hasOwn(fields, field)) {
      throw invalid(`Record of kind ${kind} for ${value.id} has an unknown field \`${field}\``);
    }
  }
  return value as unknown as LogRecord;
}
