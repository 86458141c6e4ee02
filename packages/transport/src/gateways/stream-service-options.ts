import { defineOptions, type OptionsOf, option } from '@coordinator/core';
import { streamClientOptions } from '../stream/stream-client-options.js';
import type { BreakerThresholds } from './circuit-breaker-options.js';

/** A stream gateway's options: its client's, and its own. */
export const streamServiceOptions = defineOptions('StreamService', {
  ...streamClientOptions.options,
  service: option.string({
    description: 'named in errors and breaker events (default: `host:port`)',
  }),
  timeoutMs: option.integer({
    min: 1,
    default: 30_000,
    description: 'per call, until the remote Command is done',
  }),
  breaker: option.object<BreakerThresholds>({
    default: Object.freeze({}),
    description: "the circuit breaker's thresholds (default: CircuitBreaker's)",
  }),
});

export type StreamServiceOptions = OptionsOf<typeof streamServiceOptions>;
