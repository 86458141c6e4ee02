import { CoordinatorError, checkCommandId } from '@coordinator/core';
import { checkTypeAndPayload, parseFilter, parseOutcomeQuery } from '../submission-schema.js';
import type { ClientMessage, SubmitMessage } from './protocol.js';

/** A message the server cannot act on; `seq` is set when the refusal can be answered. */
export interface RefusedMessage {
  readonly op: 'refused';
  readonly seq?: number;
  readonly error: CoordinatorError;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function refuse(seq: number | undefined, error: CoordinatorError): RefusedMessage {
  return seq === undefined ? { op: 'refused', error } : { op: 'refused', seq, error };
}

function protocol(message: string): CoordinatorError {
  return new CoordinatorError('PROTOCOL', message);
}

/**
 * Checks a decoded frame from a client. Unknown fields are ignored (a later minor revision may
 * add hints); unknown ops and wrong shapes are refused with a code.
 */
export function readClientMessage(value: unknown): ClientMessage | RefusedMessage {
  if (!isObject(value)) return refuse(undefined, protocol('A message must be a map with an `op`'));
  const { op, seq } = value;
  switch (op) {
    case 'ping':
      return { op };
    case 'hello': {
      const { protocol: name, version, maxFrameBytes, token } = value;
      if (
        typeof name !== 'string' ||
        typeof version !== 'number' ||
        typeof maxFrameBytes !== 'number' ||
        !(maxFrameBytes > 0) ||
        (token !== undefined && typeof token !== 'string')
      ) {
        return refuse(
          undefined,
          protocol('A hello needs `protocol`, `version`, `maxFrameBytes` (and a string `token`)'),
        );
      }
      return token === undefined
        ? { op, protocol: name, version, maxFrameBytes }
        : { op, protocol: name, version, maxFrameBytes, token };
    }
  }
  if (!isSeq(seq)) {
    return refuse(
      undefined,
      protocol(`A message of op ${JSON.stringify(op)} has no valid \`seq\``),
    );
  }
  try {
    switch (op) {
      case 'submit': {
        checkTypeAndPayload(value);
        if (value.id !== undefined) checkCommandId(value.id, 'id');
        const { until } = value;
        if (until !== undefined && until !== 'accepted' && until !== 'done' && until !== 'result') {
          throw new CoordinatorError(
            'INVALID_PAYLOAD',
            'Expected `until` to be accepted, done or result',
          );
        }
        // Checked field by field; the decoded map is used as is (unknown fields are ignored).
        return value as unknown as SubmitMessage;
      }
      case 'get': {
        if (typeof value.id !== 'string' || value.id.length === 0) {
          throw new CoordinatorError('INVALID_PAYLOAD', 'Expected `id` to be a non-empty string');
        }
        return { op, seq, id: value.id };
      }
      case 'list':
        return { op, seq, ...parseFilter(value) };
      case 'act': {
        const { action, id } = value;
        if ((action !== 'retry' && action !== 'cancel') || typeof id !== 'string' || id === '') {
          throw new CoordinatorError(
            'INVALID_PAYLOAD',
            'Expected `action` retry or cancel and a non-empty `id`',
          );
        }
        return { op, seq, action, id };
      }
      case 'inspect':
        return { op, seq };
      case 'outcomes':
        return { op, seq, ...parseOutcomeQuery(value) };
      case 'cancel':
        return { op, seq };
      default:
        return refuse(seq, protocol(`Unknown message op ${JSON.stringify(op)}`));
    }
  } catch (error) {
    if (error instanceof CoordinatorError) return refuse(seq, error);
    throw error;
  }
}
