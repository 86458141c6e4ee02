export {
  type ChartFormat,
  type CommandHandler,
  type CommandResult,
  type CommandTypeInfo,
  finalResult,
  type HandlerStatus,
} from './command-handler.js';
export {
  type BreakerPermit,
  type BreakerState,
  CircuitBreaker,
} from './gateways/circuit-breaker.js';
export {
  type BreakerThresholds,
  type CircuitBreakerOptions,
  circuitBreakerOptions,
} from './gateways/circuit-breaker-options.js';
export {
  HttpService,
  httpService,
  type ServiceRequest,
  type ServiceResponse,
  type StepKey,
} from './gateways/http-service.js';
export {
  type HttpServiceOptions,
  httpServiceOptions,
} from './gateways/http-service-options.js';
export { idempotencyHeader } from './gateways/idempotency-header.js';
export { StreamService, streamService } from './gateways/stream-service.js';
export {
  type StreamServiceOptions,
  streamServiceOptions,
} from './gateways/stream-service-options.js';
export { fetchTrusting } from './gateways/trusting-fetch.js';
export type { EventFeed, FeedEvent } from './http/event-feed.js';
export { httpStatusOf } from './http/http-errors.js';
export { HttpServer } from './http/http-server.js';
export {
  type HttpServerOptions,
  type HttpsPem,
  httpServerOptions,
} from './http/http-server-options.js';
export type { ListenAddress } from './listen-address.js';
export { type BackoffTiming, backoffDelay } from './stream/backoff.js';
export { CommandCall } from './stream/command-call.js';
export { FrameDecoder, frameHeaderBytes, noFrame } from './stream/frame-decoder.js';
export {
  type ActMessage,
  type CancelMessage,
  type ClientHello,
  type ClientMessage,
  type ClientRequest,
  type CloseMessage,
  type GetMessage,
  type InspectMessage,
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
export { type StreamClientOptions, streamClientOptions } from './stream/stream-client-options.js';
export { StreamServer } from './stream/stream-server.js';
export {
  type StreamServerOptions,
  streamServerOptions,
} from './stream/stream-server-options.js';
export { decodeBody, encodeBody, encodeFrame } from './stream/wire-codec.js';
export { maxListLimit, parseFilter, parseSubmission } from './submission-schema.js';
export { systemClock, systemRandom, uuidIds } from './system-ports.js';
export type { TransportEvent, TransportEventListener } from './transport-events.js';
