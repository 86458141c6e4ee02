import type { ConnectionOptions } from 'node:tls';
import { type Clock, defineOptions, type OptionsOf, option, type Random } from '@coordinator/core';
import { systemClock, systemRandom } from '../system-ports.js';
import type { TransportEventListener } from '../transport-events.js';

export const streamClientOptions = defineOptions('StreamClient', {
  host: option.string({ default: '127.0.0.1', description: "the server's host" }),
  port: option.integer({ min: 1, max: 65_535, required: true, description: "the server's port" }),
  tls: option.object<ConnectionOptions>({
    description: 'connect with TLS (ca, and key + cert for mutual TLS); default plain TCP',
  }),
  token: option.string({ description: "the server's API token, sent in the hello" }),
  connectTimeoutMs: option.integer({
    min: 1,
    default: 10_000,
    description: "time to connect and receive the server's hello",
  }),
  keepaliveIntervalMs: option.integer({
    min: 1,
    default: 5_000,
    description:
      "ping after sending nothing for this long (or a third of the server's timeout, if shorter)",
  }),
  keepaliveTimeoutMs: option.integer({
    min: 1,
    default: 15_000,
    description: 'a server heard from for none of this long is taken for dead',
  }),
  reconnectInitialDelayMs: option.integer({
    min: 1,
    default: 100,
    description: 'first reconnect delay; it doubles per failed attempt, with jitter',
  }),
  reconnectMaxDelayMs: option.integer({
    min: 1,
    default: 10_000,
    description: 'longest reconnect delay',
  }),
  maxFrameBytes: option.integer({
    min: 64,
    max: 0xffff_ffff,
    default: 16 * 1024 * 1024,
    description: 'largest frame body read from the server',
  }),
  clock: option.object<Clock>({ default: systemClock, description: 'time, injected' }),
  random: option.object<Random>({ default: systemRandom, description: 'reconnect jitter' }),
  onEvent: option.fn<TransportEventListener>({ default: () => {}, description: 'its events' }),
});

export type StreamClientOptions = OptionsOf<typeof streamClientOptions>;
