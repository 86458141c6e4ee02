export {
  type CommandDetails,
  type CommandHandler,
  type CommandResult,
  finalResult,
  type HandlerStatus,
} from './command-handler.js';
export {
  type BreakerPermit,
  type BreakerState,
  CircuitBreaker,
  type CircuitBreakerOptions,
} from './gateways/circuit-breaker.js';
export {
  HttpService,
  type HttpServiceOptions,
  httpService,
  type ServiceRequest,
  type ServiceResponse,
  type StepKey,
} from './gateways/http-service.js';
export { idempotencyHeader } from './gateways/idempotency-header.js';
export {
  StreamService,
  type StreamServiceOptions,
  streamService,
} from './gateways/stream-service.js';
export { fetchTrusting } from './gateways/trusting-fetch.js';
export { httpStatusOf } from './http/http-errors.js';
export { HttpServer, type HttpServerOptions } from './http/http-server.js';
export { type BackoffTiming, backoffDelay } from './stream/backoff.js';
export { CommandCall } from './stream/command-call.js';
export { FrameDecoder, frameHeaderBytes, noFrame } from './stream/frame-decoder.js';
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
} from './stream/protocol.js';
export { type ServerInfo, StreamClient, type SubmitOptions } from './stream/stream-client.js';
export type { StreamClientOptions } from './stream/stream-client-options.js';
export {
  type ListenAddress,
  StreamServer,
  type StreamServerOptions,
} from './stream/stream-server.js';
export { decodeBody, encodeBody, encodeFrame } from './stream/wire-codec.js';
export { maxListLimit, parseFilter, parseSubmission } from './submission-schema.js';
export { systemClock, systemRandom, uuidIds } from './system-ports.js';
export type { TransportEvent, TransportEventListener } from './transport-events.js';
