import { CoordinatorError, type ErrorData } from '@coordinator/core';
import type { ReplyMessage, ServerMessage } from './protocol.js';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isErrorData(value: unknown): value is ErrorData {
  return isObject(value) && typeof value.code === 'string' && typeof value.message === 'string';
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Checks a decoded frame from a server.
 * @throws CoordinatorError `PROTOCOL` for anything that is not a server message.
 */
export function readServerMessage(value: unknown): ServerMessage {
  if (isObject(value)) {
    switch (value.op) {
      case 'reply': {
        const { seq, last, error } = value;
        if (!isCount(seq) || typeof last !== 'boolean') break;
        if (error !== undefined && !isErrorData(error)) break;
        return value as unknown as ReplyMessage;
      }
      case 'ping':
        return { op: 'ping' };
      case 'hello': {
        const { protocol, version, nodeId, maxFrameBytes, keepaliveTimeoutMs } = value;
        if (
          typeof protocol !== 'string' ||
          typeof version !== 'number' ||
          typeof nodeId !== 'string' ||
          !isCount(maxFrameBytes) ||
          !isCount(keepaliveTimeoutMs)
        ) {
          break;
        }
        return { op: 'hello', protocol, version, nodeId, maxFrameBytes, keepaliveTimeoutMs };
      }
      case 'close':
        if (!isErrorData(value.error)) break;
        return { op: 'close', error: { code: value.error.code, message: value.error.message } };
    }
  }
  throw new CoordinatorError('PROTOCOL', 'The server sent a message this client does not know');
}
