import type { ErrorData } from '@coordinator/core';
import type { BreakerState } from './gateways/circuit-breaker.js';

/**
 * What the transport reports, as typed events (like the core's `CoordinatorEvent`): the node turns
 * them into log lines and metrics. `peer` is `address:port`.
 */
export type TransportEvent =
  | { readonly type: 'stream.connection.opened'; readonly peer: string }
  | {
      readonly type: 'stream.connection.closed';
      readonly peer: string;
      readonly error?: ErrorData;
    }
  /** A client broke the protocol; the connection is answered with a code or closed. */
  | { readonly type: 'stream.protocol-error'; readonly peer: string; readonly error: ErrorData }
  /** The server stopped (or resumed) reading a connection: too many pending requests, or a slow reader. */
  | { readonly type: 'stream.backpressure'; readonly peer: string; readonly paused: boolean }
  | { readonly type: 'client.connected'; readonly server: string; readonly nodeId: string }
  | { readonly type: 'client.disconnected'; readonly server: string; readonly error: ErrorData }
  | {
      readonly type: 'client.reconnecting';
      readonly server: string;
      readonly attempt: number;
      readonly delayMs: number;
    }
  /** The handler threw something that is not a `CoordinatorError`: a bug in the node. */
  | { readonly type: 'handler.failed'; readonly operation: string; readonly error: ErrorData }
  | {
      readonly type: 'breaker.transition';
      readonly service: string;
      readonly from: BreakerState;
      readonly to: BreakerState;
    };

export type TransportEventListener = (event: TransportEvent) => void;
