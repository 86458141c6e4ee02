import {
  CoordinatorError,
  type CoordinatorEvent,
  Driver,
  driverOptions,
  type EventLog,
  type OptionLayer,
} from '@coordinator/core';
import { pageDirectory } from '@coordinator/inspector/page';
import {
  HttpServer,
  type ListenAddress,
  StreamServer,
  systemClock,
  systemRandom,
  uuidIds,
} from '@coordinator/transport';
import { type Logger, pino } from 'pino';
import type { NodeConfig } from './config/define-config.js';
import { type NodeOptions, nodeOptions } from './config/node-options.js';
import { DriverHandler } from './driver-handler.js';
import { EventHub } from './event-hub.js';
import { loadListenerSecurity } from './listener-security.js';
import { NodeTelemetry } from './node-telemetry.js';
import { openEventLog } from './open-event-log.js';
import { PeerRouter } from './peer-router.js';

/** Where a started node listens. */
export interface NodeAddresses {
  readonly stream: ListenAddress;
  readonly http: ListenAddress;
  /** In a cluster: where peers forward Commands of this node's partitions. */
  readonly internal?: ListenAddress;
}

export interface CreateNodeInput<Rcv> {
  readonly config: NodeConfig<Rcv>;
  /** Option layers over the config file's options: environment, then flags. */
  readonly overrides?: readonly OptionLayer[];
  /** @default a pino logger on stdout at `logLevel` */
  readonly logger?: Logger;
  /** Also receives every driver event (the CLI draws recovery progress from them). */
  readonly onEvent?: (event: CoordinatorEvent) => void;
}

function split(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at) || '127.0.0.1', port: Number(address.slice(at + 1)) };
}

/**
 * One coordinator process: the core Driver on the file log, the system clock and crypto
 * randomness, behind the stream and HTTP servers. `start()` listens, recovers every partition
 * (`/readyz` answers 503 until then) and takes new Commands; `close()` shuts down gracefully.
 *
 * @example
 * const node = createNode({ config });
 * const { http } = await node.start();
 * process.on('SIGTERM', () => node.close().then(() => process.exit(0)));
 */
export function createNode<Rcv>(input: CreateNodeInput<Rcv>): CoordinatorNode<Rcv> {
  return new CoordinatorNode(input);
}

export class CoordinatorNode<Rcv> {
  readonly options: NodeOptions;
  readonly log: Logger;
  readonly #config: NodeConfig<Rcv>;
  readonly #telemetry: NodeTelemetry;
  readonly #onEvent: (event: CoordinatorEvent) => void;
  /** The live events `GET /v1/events` streams (and the inspector page follows). */
  readonly events = new EventHub();
  #driver: Driver<Rcv> | undefined;
  #eventLog: EventLog | undefined;
  #closeOutcomes: (() => Promise<void>) | undefined;
  #receiver: Rcv | undefined;
  #handler: DriverHandler | undefined;
  #servers: { stream: StreamServer; http: HttpServer; internal?: StreamServer } | undefined;
  #router: PeerRouter | undefined;
  #closing: Promise<void> | undefined;

  constructor({ config, overrides = [], logger, onEvent }: CreateNodeInput<Rcv>) {
    this.#config = config;
    this.options = nodeOptions.resolveLayers([
      { source: 'config file', values: config.options ?? {} },
      ...overrides,
    ]);
    this.log =
      logger ?? pino({ level: this.options.logLevel, base: { node: this.options.nodeId } });
    this.#telemetry = new NodeTelemetry(
      this.log,
      () => this.#driver?.status(),
      this.options.waitLogIntervalMs,
    );
    const telemetry = this.#telemetry.onEvent;
    const live = this.events.onDriverEvent;
    this.#onEvent = (event) => {
      telemetry(event);
      live(event);
      onEvent?.(event);
    };
  }

  get driver(): Driver<Rcv> {
    if (!this.#driver) throw new CoordinatorError('NOT_READY', 'The node has not started');
    return this.#driver;
  }

  async start(): Promise<NodeAddresses> {
    const o = this.options;
    const { log: eventLog, shared, outcomes, closeOutcomes } = await openEventLog(o, this.log);
    this.#eventLog = eventLog;
    this.#closeOutcomes = closeOutcomes;
    try {
      const security = await loadListenerSecurity(o, [
        { name: 'http', ...split(o.httpAddress) },
        { name: 'stream', ...split(o.streamAddress) },
        ...(shared ? [{ name: 'internal', ...split(o.internalAddress) }] : []),
      ]);
      if (security.exposed.length > 0) {
        this.log.warn(
          { exposed: security.exposed },
          `allowInsecure: listening on ${security.exposed.join(', ')} without an API token; anyone who can reach it can submit and read every Command`,
        );
      }
      const guard = {
        ...(security.token === undefined ? {} : { token: security.token }),
        ...(security.tls ? { tls: security.tls } : {}),
      };
      this.#receiver = await this.#config.receiver();
      const driver = new Driver<Rcv>({
        log: eventLog,
        clock: systemClock,
        random: systemRandom,
        ids: uuidIds,
        types: this.#config.commands,
        receiver: this.#receiver,
        // The driver's share of the node options.
        options: driverOptions.pick(o),
        onEvent: this.#onEvent,
      });
      this.#driver = driver;
      // In a cluster, Commands of partitions other nodes own are forwarded to them.
      const router = shared
        ? new PeerRouter(
            o.peers.map(split),
            {
              ...(security.token === undefined ? {} : { token: security.token }),
              ...(security.tls ? { tls: security.ca ? { ca: security.ca } : {} } : {}),
            },
            (op) => this.#telemetry.metrics.peerRequest(op),
          )
        : undefined;
      this.#router = router;
      const handler = new DriverHandler(driver, this.#config.commands, o.nodeId, router, outcomes);
      this.#handler = handler;
      const onEvent = (event: { type: string }) => this.log.debug(event, event.type);
      const stream = new StreamServer(handler, {
        ...split(o.streamAddress),
        ...guard,
        nodeId: o.nodeId,
        onEvent,
      });
      // Peers forward here; this handler never forwards again, so requests cannot loop.
      const internal = shared
        ? new StreamServer(new DriverHandler(driver, this.#config.commands, o.nodeId), {
            ...split(o.internalAddress),
            ...guard,
            nodeId: o.nodeId,
            onEvent,
          })
        : undefined;
      const http = new HttpServer(handler, {
        ...split(o.httpAddress),
        ...guard,
        metricsPublic: o.metricsPublic,
        metrics: () => this.#telemetry.metrics.text(),
        events: this.events,
        pageDirectory: pageDirectory(),
        onEvent,
      });
      this.#servers = internal ? { stream, http, internal } : { stream, http };
      const addresses = {
        stream: await stream.listen(),
        http: await http.listen(),
        ...(internal ? { internal: await internal.listen() } : {}),
      };
      const started = Date.now();
      await driver.start();
      const { inFlight } = driver.status();
      this.log.info(
        { ...addresses, recoveredMs: Date.now() - started, inFlight },
        `node ${o.nodeId} ready: stream ${addresses.stream.host}:${addresses.stream.port}, http ${addresses.http.host}:${addresses.http.port}`,
      );
      return addresses;
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /**
   * Stops taking Commands (`/readyz` 503, new submits `CLOSED`), lets running steps finish up to
   * `shutdownTimeoutMs`, commits checkpoints, closes the log and the servers.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#handler?.closing();
    const driver = this.#driver;
    if (driver) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.options.shutdownTimeoutMs);
      });
      const outcome = await Promise.race([driver.close().then(() => 'closed' as const), bound]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        this.log.warn(
          `steps still running after ${this.options.shutdownTimeoutMs} ms; they resume on the next start`,
        );
      }
    }
    await Promise.allSettled([
      this.#servers?.stream.close(),
      this.#servers?.http.close(),
      this.#servers?.internal?.close(),
      this.#router?.close(),
    ]);
    await this.#closeOutcomes?.();
    await this.#eventLog?.close();
    if (this.#receiver !== undefined) await this.#config.close?.(this.#receiver);
    this.#telemetry.close();
    this.log.info(`node ${this.options.nodeId} stopped`);
    this.log.flush();
  }
}
