import {
  type CommandFilter,
  CoordinatorError,
  checkCommandId,
  defaultOutcomeLimit,
  type LifecycleState,
  lifecycleStates,
  maxOutcomeLimit,
  type OutcomeQuery,
  type Submission,
} from '@coordinator/core';

/** Most Commands one list request returns. */
export const maxListLimit = 1000;

const submissionFields = new Set(['type', 'payload', 'id']);

function invalid(message: string): CoordinatorError {
  return new CoordinatorError('INVALID_PAYLOAD', message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks a submission as both servers receive it: `{type, payload, id?}`, nothing else; the
 * `Idempotency-Key` header, when given, stands for `id`.
 * @throws CoordinatorError `INVALID_PAYLOAD` naming what is wrong.
 */
export function parseSubmission(value: unknown, idempotencyKey?: string): Submission {
  if (!isObject(value)) {
    throw invalid('Expected a submission object {"type", "payload", "id"?}');
  }
  for (const field of Object.keys(value)) {
    if (!submissionFields.has(field)) {
      throw invalid(`Unknown submission field \`${field}\`; expected type, payload and id`);
    }
  }
  const { type, id } = value;
  checkTypeAndPayload(value);
  const bodyId = id === undefined ? undefined : checkCommandId(id, 'id');
  const headerId =
    idempotencyKey === undefined ? undefined : checkCommandId(idempotencyKey, 'Idempotency-Key');
  if (bodyId !== undefined && headerId !== undefined && bodyId !== headerId) {
    throw invalid('The body `id` and the `Idempotency-Key` header differ');
  }
  const chosen = bodyId ?? headerId;
  return chosen === undefined
    ? { type: type as string, payload: value.payload }
    : { type: type as string, payload: value.payload, id: chosen };
}

/** @throws CoordinatorError `INVALID_PAYLOAD` unless `type` is a non-empty string and `payload` is there. */
export function checkTypeAndPayload(value: Readonly<Record<string, unknown>>): void {
  const { type } = value;
  if (typeof type !== 'string' || type.length === 0) {
    throw invalid('Expected `type` to be a non-empty string');
  }
  if (!Object.hasOwn(value, 'payload')) throw invalid('The submission has no `payload`');
}

/**
 * Checks a list filter, from a query string (strings) or a stream message (numbers).
 * @throws CoordinatorError `INVALID_PAYLOAD`.
 */
export function parseFilter(value: unknown): CommandFilter {
  if (!isObject(value)) throw invalid('Expected a filter object {state?, type?, limit?, ...}');
  const { state, limit } = value;
  const filter: {
    -readonly [K in keyof CommandFilter]: CommandFilter[K];
  } = {};
  if (state !== undefined) {
    if (!(lifecycleStates as readonly unknown[]).includes(state)) {
      throw invalid(`Expected \`state\` to be one of ${lifecycleStates.join(', ')}`);
    }
    filter.state = state as LifecycleState;
  }
  for (const name of ['type', 'idPrefix', 'service', 'after'] as const) {
    const text = value[name];
    if (text === undefined) continue;
    if (typeof text !== 'string' || text.length === 0) {
      throw invalid(`Expected \`${name}\` to be a non-empty string`);
    }
    filter[name] = text;
  }
  for (const name of ['since', 'until'] as const) {
    const time = value[name];
    if (time !== undefined) filter[name] = parseTime(name, time);
  }
  if (limit !== undefined) {
    const n = typeof limit === 'string' && /^\d{1,7}$/.test(limit) ? Number(limit) : limit;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > maxListLimit) {
      throw invalid(`Expected \`limit\` to be an integer from 1 to ${maxListLimit}`);
    }
    filter.limit = n;
  }
  return filter;
}

/**
 * A time from a query (ms since the epoch, or an ISO date) or a stream message (a number).
 * @throws CoordinatorError `INVALID_PAYLOAD` naming the parameter.
 */
function parseTime(name: string, time: unknown): number {
  const ms =
    typeof time === 'number'
      ? time
      : typeof time === 'string' && /^\d{1,16}$/.test(time)
        ? Number(time)
        : typeof time === 'string'
          ? Date.parse(time)
          : Number.NaN;
  if (!Number.isSafeInteger(ms)) {
    throw invalid(`Expected \`${name}\` to be a time: ms since the epoch or an ISO date`);
  }
  return ms;
}

/**
 * Checks the query of `GET /v1/outcomes` (strings) or a stream `outcomes` message (numbers):
 * `service` (required), `after`, `since`, `limit` (1 to 1000, default 100).
 * @throws CoordinatorError `INVALID_PAYLOAD` naming the parameter.
 */
export function parseOutcomeQuery(value: Readonly<Record<string, unknown>>): OutcomeQuery {
  const { service, after, since, limit } = value;
  if (typeof service !== 'string' || service.length === 0) {
    throw invalid(
      'Expected `service` to be a non-empty string (the service whose Outcomes to read)',
    );
  }
  if (after !== undefined && (typeof after !== 'string' || after.length === 0)) {
    throw invalid('Expected `after` to be a cursor from an earlier page');
  }
  let n = defaultOutcomeLimit;
  if (limit !== undefined) {
    n = typeof limit === 'string' && /^\d{1,7}$/.test(limit) ? Number(limit) : Number(limit);
    if (!(Number.isSafeInteger(n) && n >= 1 && n <= maxOutcomeLimit)) {
      throw invalid(`Expected \`limit\` to be an integer from 1 to ${maxOutcomeLimit}`);
    }
  }
  return {
    service,
    limit: n,
    ...(after === undefined ? {} : { after: after as string }),
    ...(since === undefined ? {} : { since: parseTime('since', since) }),
  };
}
