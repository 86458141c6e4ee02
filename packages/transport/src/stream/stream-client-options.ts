import type { ConnectionOptions } from 'node:tls';
import type { Clock, Random } from '@coordinator/core';
import { type OptionRules, required, resolveOptions } from '../resolve-options.js';
import { systemClock, systemRandom } from '../system-ports.js';
import type { TransportEventListener } from '../transport-events.js';

export interface StreamClientOptions {
  /** @default '127.0.0.1' */
  readonly host: string;
  /** Required. */
  readonly port: number;
  /** Connect with TLS (`ca`, and `key` + `cert` for mutual TLS). @default undefined (plain TCP) */
  readonly tls?: ConnectionOptions;
  /** The server's API token, sent in the hello. @default undefined */
  readonly token?: string;
  /** Time to connect and receive the server's hello. @default 10000 */
  readonly connectTimeoutMs: number;
  /** Ping after sending nothing for this long (or a third of the server's timeout, if shorter). @default 5000 */
  readonly keepaliveIntervalMs: number;
  /** A server heard from for none of this long is taken for dead. @default 15000 */
  readonly keepaliveTimeoutMs: number;
  /** First reconnect delay; it doubles per failed attempt, with jitter. @default 100 */
  readonly reconnectInitialDelayMs: number;
  /** @default 10000 */
  readonly reconnectMaxDelayMs: number;
  /** Largest frame body read from the server. @default 16 MiB */
  readonly maxFrameBytes: number;
  /** @default the system clock */
  readonly clock: Clock;
  /** Jitter source. @default crypto randomness */
  readonly random: Random;
  /** @default ignores events */
  readonly onEvent: TransportEventListener;
}

const defaults: Readonly<Partial<StreamClientOptions>> = Object.freeze({
  host: '127.0.0.1',
  connectTimeoutMs: 10_000,
  keepaliveIntervalMs: 5_000,
  keepaliveTimeoutMs: 15_000,
  reconnectInitialDelayMs: 100,
  reconnectMaxDelayMs: 10_000,
  maxFrameBytes: 16 * 1024 * 1024,
  clock: systemClock,
  random: systemRandom,
  onEvent: () => {},
});

const rules: OptionRules<StreamClientOptions> = {
  host: { kind: 'string' },
  port: { kind: 'integer', min: 1, max: 65_535 },
  tls: { kind: 'object' },
  token: { kind: 'string' },
  connectTimeoutMs: { kind: 'integer', min: 1 },
  keepaliveIntervalMs: { kind: 'integer', min: 1 },
  keepaliveTimeoutMs: { kind: 'integer', min: 1 },
  reconnectInitialDelayMs: { kind: 'integer', min: 1 },
  reconnectMaxDelayMs: { kind: 'integer', min: 1 },
  maxFrameBytes: { kind: 'integer', min: 64, max: 0xffff_ffff },
  clock: { kind: 'object' },
  random: { kind: 'object' },
  onEvent: { kind: 'function' },
};

/**
 * Fills the defaults and checks every option.
 * @throws CoordinatorError `INVALID_OPTION`.
 */
export function resolveClientOptions(
  input: Partial<StreamClientOptions> & { readonly port: number },
): StreamClientOptions {
  const options = resolveOptions('StreamClient', defaults, rules, input);
  required('StreamClient', 'port', options.port);
  return options;
}
