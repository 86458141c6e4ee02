import { type Clock, defineOptions, type OptionsOf, option } from '@coordinator/core';
import { systemClock } from '../system-ports.js';
import type { TransportEventListener } from '../transport-events.js';

export const circuitBreakerOptions = defineOptions('CircuitBreaker', {
  service: option.string({ default: 'service', description: 'named in events' }),
  failureThreshold: option.integer({
    min: 1,
    default: 5,
    description: 'consecutive failures, while closed, that open the circuit',
  }),
  openMs: option.integer({
    min: 0,
    default: 30_000,
    description: 'how long the circuit stays open before trial calls go through',
  }),
  halfOpenMaxCalls: option.integer({
    min: 1,
    default: 1,
    description: 'trial calls let through at once while half-open',
  }),
  successThreshold: option.integer({
    min: 1,
    default: 1,
    description: 'successful trial calls that close the circuit again',
  }),
  clock: option.object<Clock>({
    default: systemClock,
    description: 'time, injected so tests run on virtual time',
  }),
  onEvent: option.fn<TransportEventListener>({ default: () => {}, description: 'its events' }),
});

export type CircuitBreakerOptions = OptionsOf<typeof circuitBreakerOptions>;

/** The thresholds a service gateway passes on to its breaker. */
export type BreakerThresholds = Partial<
  Omit<CircuitBreakerOptions, 'service' | 'clock' | 'onEvent'>
>;
