import { type Clock, defineOptions, type OptionsOf, option } from '@coordinator/core';
import { listenOptions } from '../listen-address.js';
import { systemClock } from '../system-ports.js';
import type { TransportEventListener } from '../transport-events.js';
import type { EventFeed } from './event-feed.js';

/** PEM contents an `HttpServer` serves HTTPS with. */
export interface HttpsPem {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  readonly ca?: string | Buffer;
}

export const httpServerOptions = defineOptions('HttpServer', {
  ...listenOptions,
  bodyLimitBytes: option.integer({
    min: 1,
    default: 1024 * 1024,
    description: 'largest request body; a larger one gets 413 PAYLOAD_TOO_LARGE',
  }),
  maxWaitMs: option.integer({ min: 0, default: 60_000, description: 'the cap on ?wait=' }),
  retryAfterSeconds: option.integer({
    min: 0,
    default: 1,
    description: 'sent as Retry-After with every 503',
  }),
  keepAliveTimeoutMs: option.integer({
    min: 1,
    default: 65_000,
    description: "idle keep-alive; keep above the load balancer's idle timeout",
  }),
  metrics: option.fn<() => string | Promise<string>>({
    default: () => '',
    description: 'Prometheus text for GET /metrics (default: empty)',
  }),
  token: option.string({
    description:
      'when set, every route but /healthz and /readyz (and /metrics with metricsPublic) requires `Authorization: Bearer <token>`; others get 401 UNAUTHORIZED',
  }),
  metricsPublic: option.boolean({
    default: false,
    description: 'serve /metrics without the API token',
  }),
  tls: option.object<HttpsPem>({ description: 'serve HTTPS with these PEM contents' }),
  events: option.object<EventFeed>({
    description: 'the live events GET /v1/events streams (Server-Sent Events); none: 404',
  }),
  pageDirectory: option.string({
    description: "the built inspector page's directory, served at /ui/; none: no page",
  }),
  clock: option.object<Clock>({ default: systemClock, description: 'times ?wait=' }),
  onEvent: option.fn<TransportEventListener>({ default: () => {}, description: 'its events' }),
});

export type HttpServerOptions = OptionsOf<typeof httpServerOptions>;
