import { type ErrorData, toErrorData } from '@coordinator/core';
import type { TransportEventListener } from './transport-events.js';

/**
 * The `{code, message}` a client is told when the handler fails. A thrown value without a known
 * code is a fault inside the node (a bug, an unwrapped I/O error): it is reported as a
 * `handler.failed` event and answered with `INTERNAL` (HTTP 500).
 */
export function handlerErrorData(
  error: unknown,
  operation: string,
  onEvent: TransportEventListener,
): ErrorData {
  const data = toErrorData(error, 'INTERNAL');
  if (data.code !== 'INTERNAL') return data;
  onEvent({ type: 'handler.failed', operation, error: data });
  return { code: 'INTERNAL', message: `The node failed to handle ${operation}: ${data.message}` };
}
