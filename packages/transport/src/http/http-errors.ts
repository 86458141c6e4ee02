import { CoordinatorError, type ErrorCode, type ErrorData } from '@coordinator/core';
import type { FastifyReply } from 'fastify';
import { handlerErrorData } from '../handler-error.js';
import type { TransportEventListener } from '../transport-events.js';

/** The HTTP status each error code is answered with; a code not listed gets 500. */
export const httpStatusOf: Readonly<Partial<Record<ErrorCode, number>>> = Object.freeze({
  INVALID_PAYLOAD: 400,
  PROTOCOL: 400,
  UNSUPPORTED_VERSION: 400,
  UNAUTHORIZED: 401,
  UNKNOWN_COMMAND: 404,
  UNKNOWN_SERVICE: 404,
  INVALID_CURSOR: 400,
  ID_CONFLICT: 409,
  WRONG_STATE: 409,
  PAYLOAD_TOO_LARGE: 413,
  FRAME_TOO_LARGE: 413,
  SUSPENDED: 503,
  OVERLOADED: 503,
  NOT_READY: 503,
  NOT_OWNER: 503,
  CLOSED: 503,
});

/** Fastify's own errors (body parsing, limits) in the contract's terms. */
function frameworkErrorData(error: {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
}): { status: number; data: ErrorData } | undefined {
  const status = typeof error.statusCode === 'number' ? error.statusCode : undefined;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  const message = String(error.message);
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, data: { code: 'PAYLOAD_TOO_LARGE', message } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        data: { code: 'INVALID_PAYLOAD', message: `${message}; send application/json` },
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, data: { code: 'INVALID_PAYLOAD', message } };
    default:
      return {
        status,
        data: { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : 'INVALID_PAYLOAD', message },
      };
  }
}

/** Sends `{"error": {code, message}}` with its status, and `Retry-After` on a 503. */
export function sendError(
  reply: FastifyReply,
  status: number,
  data: ErrorData,
  retryAfterSeconds: number,
): FastifyReply {
  if (status === 503) reply.header('retry-after', String(retryAfterSeconds));
  return reply.code(status).send({ error: { code: data.code, message: data.message } });
}

/** The most of a refused body read and thrown away so that its sender still gets the answer. */
const drainLimitBytes = 64 * 1024 * 1024;

/**
 * Keeps reading (and dropping) the rest of a body the server refused. Closing at once would reset
 * the connection under a client that is still sending, and it would lose the answer; the
 * connection stays usable instead. A body past `drainLimitBytes` is cut off.
 */
function drainRefusedBody(reply: FastifyReply): void {
  const request = reply.request.raw;
  if (request.complete) return;
  reply.removeHeader('connection');
  let seen = 0;
  request.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > drainLimitBytes) request.socket.destroy();
  });
  request.resume();
}

/** Answers any error a route threw. */
export function replyWithError(
  reply: FastifyReply,
  error: unknown,
  retryAfterSeconds: number,
  onEvent: TransportEventListener,
): FastifyReply {
  const framework =
    typeof error === 'object' && error !== null && !(error instanceof CoordinatorError)
      ? frameworkErrorData(error)
      : undefined;
  if (framework?.status === 413) drainRefusedBody(reply);
  if (framework) return sendError(reply, framework.status, framework.data, retryAfterSeconds);
  const data = handlerErrorData(error, 'an HTTP request', onEvent);
  return sendError(reply, httpStatusOf[data.code as ErrorCode] ?? 500, data, retryAfterSeconds);
}
