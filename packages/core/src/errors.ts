/**
 * Every error coordinator raises or records carries one of these stable codes. The table in
 * `docs/errors.md` documents each one; a test keeps the two in step.
 */
export const errorCodes = [
  'DELAYED',
  'BLOCKED',
  'STEP_FAILED',
  'COMPENSATION_FAILED',
  'CANCELLED',
  'REPLAY_STOPPED',
  'SUSPENDED',
  'OVERLOADED',
  'NOT_READY',
  'NOT_OWNER',
  'UNKNOWN_COMMAND',
  'UNKNOWN_SERVICE',
  'ID_CONFLICT',
  'WRONG_STATE',
  'INVALID_PAYLOAD',
  'INVALID_CURSOR',
  'INVALID_DEFINITION',
  'INVALID_OPTION',
  'INVALID_RECORD',
  'UNSUPPORTED_VERSION',
  'PAYLOAD_TOO_LARGE',
  'FRAME_TOO_LARGE',
  'PROTOCOL',
  'CONNECTION_LOST',
  'FENCED',
  'LOG_CORRUPT',
  'CLOSED',
  'UNAUTHORIZED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** Codes after which the same request may succeed if simply tried again later. */
const retryableCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'DELAYED',
  'BLOCKED',
  'SUSPENDED',
  'OVERLOADED',
  'NOT_READY',
  'NOT_OWNER',
  'CONNECTION_LOST',
  'CLOSED',
]);

/** The plain form an error takes in the log and on the wire. */
export interface ErrorData {
  readonly code: string;
  readonly message: string;
}

/**
 * The one error class of coordinator. `code` is stable and documented; `retryable` says whether
 * the caller may try the same request again.
 *
 * @example
 * throw CoordinatorError.delayed('inventory answered 503');
 */
export class CoordinatorError extends Error {
  override readonly name = 'CoordinatorError';
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.retryable = retryableCodes.has(code);
  }

  /** CmdDelayed: the service is unavailable for now; the step is retried after the slow interval. */
  static delayed(message: string, options?: { cause?: unknown }): CoordinatorError {
    return new CoordinatorError('DELAYED', message, options);
  }

  /** CmdBlocked: the service is down for long (its circuit breaker is open); the node suspends. */
  static blocked(message: string, options?: { cause?: unknown }): CoordinatorError {
    return new CoordinatorError('BLOCKED', message, options);
  }

  toData(): ErrorData {
    return { code: this.code, message: this.message };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (errorCodes as readonly string[]).includes(value);
}

/**
 * The plain `{code, message}` of any thrown value; foreign errors get `fallback` as their code. An
 * error carrying a known `code` keeps it even when it is not this module's `CoordinatorError`
 * (another copy of the package, or an error crossing a module namespace).
 */
export function toErrorData(error: unknown, fallback: ErrorCode = 'STEP_FAILED'): ErrorData {
  if (error instanceof CoordinatorError) return error.toData();
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: isErrorCode(code) ? code : fallback, message: error.message };
  }
  return { code: fallback, message: String(error) };
}
