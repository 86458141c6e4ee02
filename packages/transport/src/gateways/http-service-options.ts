import { type Clock, defineOptions, type OptionsOf, option } from '@coordinator/core';
import { systemClock } from '../system-ports.js';
import type { TransportEventListener } from '../transport-events.js';
import type { BreakerThresholds } from './circuit-breaker-options.js';

export const httpServiceOptions = defineOptions('HttpService', {
  service: option.string({
    required: true,
    description: "named in errors and breaker events; HttpService passes the base URL's host",
  }),
  timeoutMs: option.integer({
    min: 1,
    default: 10_000,
    description: 'per call, connecting and reading the whole response',
  }),
  headers: option.object<Readonly<Record<string, string>>>({
    default: Object.freeze({}),
    description: 'sent with every call',
  }),
  breaker: option.object<BreakerThresholds>({
    default: Object.freeze({}),
    description: "the circuit breaker's thresholds (default: CircuitBreaker's)",
  }),
  clock: option.object<Clock>({
    default: systemClock,
    description: 'time for timeouts and the breaker',
  }),
  ca: option.object<Buffer>({
    description:
      "trust these certificate authorities (PEM) for an https: service, in place of the system's",
  }),
  fetch: option.fn<typeof fetch>({
    description:
      "the fetch to call (default: globalThis.fetch, or with `ca` undici's fetch trusting it)",
  }),
  onEvent: option.fn<TransportEventListener>({ default: () => {}, description: 'its events' }),
});

export type HttpServiceOptions = OptionsOf<typeof httpServiceOptions>;
