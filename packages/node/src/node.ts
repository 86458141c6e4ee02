import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CoordinatorError,
  type CoordinatorEvent,
  Driver,
  driverOptions,
  type EventLog,
  type OptionLayer,
} from '@coordinator/core';
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
import { FileLog } from './file-log/file-log.js';
import { KafkaLog } from './kafka-log/kafka-log.js';
import { loadListenerSecurity } from './listener-security.js';
import { NodeTelemetry } from './node-telemetry.js';
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

/** Refuses a data directory made with another partition count: routing would lose Commands. */
async function checkPartitions(dir: string, partitions: number): Promise<void> {
  const file = join(dir, 'coordinator.json');
  let meta: { partitions?: unknown } | undefined;
  try {
    meta = JSON.parse(await readFile(file, 'utf8')) as { partitions?: unknown };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (meta === undefined) {
    await writeFile(file, `${JSON.stringify({ partitions }, null, 2)}\n`);
  } else if (meta.partitions !== partitions) {
    throw new CoordinatorError(
      'INVALID_OPTION',
      `Expected \`partitions\` to be ${String(meta.partitions)} as when ${dir} was created, got \`${partitions}\` (number); the partition count is fixed for the life of a data directory`,
    );
  }
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
  #driver: Driver<Rcv> | undefined;
  #eventLog: (EventLog & { close(): Promise<void> }) | undefined;
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
      () => this.#driver as Driver<unknown> | undefined,
      this.options.waitLogIntervalMs,
    );
    const telemetry = this.#telemetry.onEvent;
    this.#onEvent = onEvent
      ? (event) => {
          telemetry(event);
          onEvent(event);
        }
      : telemetry;
  }

  get driver(): Driver<Rcv> {
    if (!this.#driver) throw new CoordinatorError('NOT_READY', 'The node has not started');
    return this.#driver;
  }

  async start(): Promise<NodeAddresses> {
    const o = this.options;
    const security = await loadListenerSecurity(o, [
      { name: 'http', ...split(o.httpAddress) },
      { name: 'stream', ...split(o.streamAddress) },
      ...(o.kafkaBrokers.length > 0 ? [{ name: 'internal', ...split(o.internalAddress) }] : []),
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
    const kafka =
      o.kafkaBrokers.length > 0
        ? await KafkaLog.open({
            brokers: o.kafkaBrokers,
            topic: o.kafkaTopic,
            groupId: o.kafkaGroupId,
            partitions: o.partitions,
            nodeId: o.nodeId,
            onEvent: (event) => this.log.info(event, event.type),
          })
        : undefined;
    const eventLog =
      kafka ??
      (await FileLog.open({
        dir: o.dataDir,
        sync: o.sync,
        onEvent: (event) =>
          event.type === 'file-log.failed' || event.type === 'file-log.tail-truncated'
            ? this.log.warn(event, event.type)
            : this.log.info(event, event.type),
      }));
    this.#eventLog = eventLog;
    try {
      if (!kafka) await checkPartitions(o.dataDir, o.partitions);
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
      const detail = () => ({ node: o.nodeId, owned: kafka?.owned });
      const router = kafka
        ? new PeerRouter(o.peers.map(split), {
            ...(security.token === undefined ? {} : { token: security.token }),
            ...(security.tls ? { tls: security.ca ? { ca: security.ca } : {} } : {}),
          })
        : undefined;
      this.#router = router;
      const handler = new DriverHandler(driver as Driver<unknown>, detail, router);
      this.#handler = handler;
      const onEvent = (event: { type: string }) => this.log.debug(event, event.type);
      const stream = new StreamServer(handler, {
        ...split(o.streamAddress),
        ...guard,
        nodeId: o.nodeId,
        onEvent,
      });
      // Peers forward here; this handler never forwards again, so requests cannot loop.
      const internal = kafka
        ? new StreamServer(new DriverHandler(driver as Driver<unknown>, detail), {
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
        metrics: () => this.#telemetry.registry.metrics(),
        onEvent,
      });
      this.#servers = internal ? { stream, http, internal } : { stream, http };
      const addresses = {
        stream: await stream.listen(),
        http: await http.listen(),
        ...(internal ? { internal: await internal.listen() } : {}),
      };
      const started = Date.now();
      if (kafka) {
        // A cluster: the consumer group hands partitions over one by one.
        await driver.recover([]);
        await kafka.start({
          assigned: (partition) => driver.assign(partition),
          revoked: (partition) => driver.revoke(partition),
        });
      } else {
        await driver.recover();
      }
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
    await this.#eventLog?.close();
    if (this.#receiver !== undefined) await this.#config.close?.(this.#receiver);
    this.#telemetry.close();
    this.log.info(`node ${this.options.nodeId} stopped`);
    this.log.flush();
  }
}
