import { hostname } from 'node:os';
import type { TlsOptions } from 'node:tls';
import { type Clock, defineOptions, type OptionsOf, option } from '@coordinator/core';
import { listenOptions } from '../listen-address.js';
import { systemClock } from '../system-ports.js';
import type { TransportEventListener } from '../transport-events.js';

export const streamServerOptions = defineOptions(
  'StreamServer',
  {
    ...listenOptions,
    tls: option.object<TlsOptions>({
      description:
        'serve TLS with these options (key, cert...); for mutual TLS add ca, requestCert and rejectUnauthorized: a client without a certificate signed by ca is refused in the handshake',
    }),
    token: option.string({
      description:
        'when set, clients must send it in their hello; others are closed with UNAUTHORIZED',
    }),
    nodeId: option.string({
      default: hostname(),
      description: 'named in the hello every client receives (default: the host name)',
    }),
    maxFrameBytes: option.integer({
      min: 64,
      max: 0xffff_ffff,
      default: 1024 * 1024,
      description:
        'largest frame body read; a larger length prefix closes the connection with FRAME_TOO_LARGE',
    }),
    maxPendingPerConnection: option.integer({
      min: 1,
      default: 1024,
      description: 'requests pending on one connection before the server stops reading it',
    }),
    keepaliveIntervalMs: option.integer({
      min: 1,
      default: 5_000,
      description: 'a connection that sent nothing for this long gets a ping',
    }),
    keepaliveTimeoutMs: option.integer({
      min: 1,
      default: 15_000,
      description: 'a client heard from for none of this long is dropped',
    }),
    handshakeTimeoutMs: option.integer({
      min: 1,
      default: 10_000,
      description: 'a client must send its hello within this',
    }),
    closeGraceMs: option.integer({
      min: 0,
      default: 2_000,
      description:
        'after a close notice, how long the peer gets to hang up before the socket is destroyed',
    }),
    clock: option.object<Clock>({ default: systemClock, description: 'time, injected' }),
    onEvent: option.fn<TransportEventListener>({ default: () => {}, description: 'its events' }),
  },
  (o) =>
    o.keepaliveTimeoutMs > o.keepaliveIntervalMs
      ? undefined
      : {
          option: 'keepaliveTimeoutMs',
          expected: `above \`keepaliveIntervalMs\` (${o.keepaliveIntervalMs})`,
        },
);

export type StreamServerOptions = OptionsOf<typeof streamServerOptions>;

/** How every connection of a stream server behaves: its options, less where it listens. */
export type ConnectionSettings = Omit<StreamServerOptions, 'host' | 'port' | 'tls' | 'token'>;
