export { type BackoffTiming, backoffDelay } from './backoff.js';
export {
  type BreakerPermit,
  type BreakerState,
  CircuitBreaker,
  type CircuitBreakerOptions,
} from './circuit-breaker.js';
export { CommandCall } from './command-call.js';
export {
  type CommandDetails,
  type CommandHandler,
  type CommandResult,
  finalResult,
  type HandlerStatus,
} from './command-handler.js';
export { FrameDecoder, frameHeaderBytes, noFrame } from './frame-decoder.js';
export { httpStatusOf } from './http-errors.js';
export { HttpServer, type HttpServerOptions } from './http-server.js';
export {
  HttpService,
  type HttpServiceOptions,
  httpService,
  type ServiceRequest,
  type ServiceResponse,
  type StepKey,
} from './http-service.js';
export { idempotencyHeader } from './idempotency-header.js';
export {
  type CancelMessage,
  type ClientHello,
  type ClientMessage,
  type ClientRequest,
  type CloseMessage,
  type GetMessage,
  type ListMessage,
  type PingMessage,
  protocolName,
  protocolVersion,
  type ReplyMessage,
  type ServerHello,
  type ServerMessage,
  type SubmitMessage,
} from './protocol.js';
export { type ServerInfo, StreamClient, type SubmitOptions } from './stream-client.js';
export type { StreamClientOptions } from './stream-client-options.js';
export { type ListenAddress, StreamServer, type StreamServerOptions } from './stream-server.js';
export { StreamService, type StreamServiceOptions, streamService } from './stream-service.js';
export { maxListLimit, parseFilter, parseSubmission } from './submission-schema.js';
export { systemClock } from './system-clock.js';
export type { TransportEvent, TransportEventListener } from './transport-events.js';
export { fetchTrusting } from './trusting-fetch.js';
export { decodeBody, encodeBody, encodeFrame } from './wire-codec.js';
